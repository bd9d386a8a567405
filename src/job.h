// One identification of one stream: resolve the clip, check it against the
// service's limits, then run the provider (Kling's synchronous call, a Kirin
// task with polling, or the local engine). Every step runs on the HTTP
// worker thread; the listener is called there too.
#pragma once

#include <gio/gio.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <variant>

#include "clip_info.h"
#include "kling_dialect.h"
#include "result.h"
#include "retry_policy.h"

namespace idf {

class HttpWorker;
class LocalEngine;
struct HttpResponse;
struct HttpRequest;

enum class Provider { Kling, Kirin, Local };
enum class ValidationMode { Strict, Warn, Off };

const char *provider_name(Provider p);
std::string provider_default_url(Provider p);

// The settings that can never work, whatever the stream: both video-url and
// video-id, or video-id with provider=local. Checked when the element starts.
std::optional<Failure> check_video_settings(Provider provider, const std::string &video_url,
                                            const std::string &video_id);

// Decides what the request names: video-id, video-url, or the upstream URI
// when it is http(s). A Failure (Kind::Config) explains what to set.
std::variant<VideoTarget, Failure> resolve_target(Provider provider, const std::string &video_url,
                                                  const std::string &video_id, const std::string &upstream_uri);

struct JobConfig {
  Provider provider = Provider::Kling;
  std::string api_url;   // "" = the provider's default
  std::string poll_url;  // kirin: template with {task_id}; "" = api_url/task/{task_id}
  std::string model = "kirin_identify_face";
  // Returns the Authorization header value ("Bearer ..."); called per request
  // so JWTs are renewed. Never logged.
  std::function<std::string()> authorization;
  VideoTarget target;
  ClipInfo clip;
  ValidationMode validation = ValidationMode::Strict;
  std::string stream_id;
  unsigned request_timeout_s = 30;
  unsigned timeout_s = 300;
  unsigned poll_interval_ms = 1000;
  unsigned poll_interval_max_ms = 5000;
  unsigned max_retries = 3;
  std::string face_image_dir;
};

enum class ProgressKind { Start, Continue, Complete, Error };

struct JobListener {
  std::function<void(ProgressKind, const std::string &text)> progress;
  std::function<void(const std::string &text)> warning;  // validation=warn findings
  std::function<void(const Outcome &)> done;             // exactly once, unless cancelled
};

class Job : public std::enable_shared_from_this<Job> {
 public:
  static std::shared_ptr<Job> start(JobConfig config, JobListener listener);
  ~Job();

  // Synchronous: when it returns, no request will be sent, no timer fires,
  // no listener call happens. Callable from any thread, more than once.
  void cancel();

  // True once the clip was handed to a service (it may have been billed).
  bool submitted() const { return submitted_flag_.load(); }

  Job(JobConfig config, JobListener listener);  // use start()

 private:
  using ResponseFn = std::function<void(const HttpResponse &)>;

  void begin();
  void probe_size();
  void validate_and_dispatch();
  void submit();
  void on_submitted(const HttpResponse &resp);
  void handle_task_answer(const std::string &body, unsigned status, const std::string &retry_after);
  void schedule_poll(unsigned delay_ms);
  void poll();
  void run_local();
  void on_deadline();
  // Sends with the retry policy; `ok` receives 2xx answers with no error code.
  void send_with_retries(RequestKind kind, std::function<HttpRequest()> build, ResponseFn ok, unsigned attempt = 0);
  void fail_request(RequestKind kind, const HttpResponse &resp, const std::string &code, Verdict verdict,
                    unsigned attempts);
  void set_timer(GSource **slot, unsigned ms, std::function<void()> fn);
  void clear_timers();
  void finish(Outcome outcome);
  void progress(ProgressKind kind, const std::string &text);
  bool stopped() const { return cancelled_.load() || finished_; }
  uint64_t elapsed_ms() const;

  JobConfig cfg_;
  JobListener listener_;
  HttpWorker &worker_;
  GCancellable *cancellable_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> submitted_flag_{false};
  bool finished_ = false;  // worker thread only
  gint64 started_us_ = 0;
  gint64 submitted_us_ = 0;
  GSource *deadline_ = nullptr;
  GSource *retry_timer_ = nullptr;
  GSource *poll_timer_ = nullptr;
  std::string task_id_;
  std::string last_status_;
  PollSchedule schedule_;
  std::mt19937 rng_;
  std::shared_ptr<LocalEngine> engine_;
  std::mutex engine_lock_;
};

}  // namespace idf
