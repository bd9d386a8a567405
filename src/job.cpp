#include "job.h"

#include <gst/gst.h>

#include <mutex>

#include "http_worker.h"
#include "json_util.h"
#include "kirin_dialect.h"
#include "local_engine.h"

GST_DEBUG_CATEGORY_STATIC(idf_job_debug);
#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

const char *provider_name(Provider p) {
  switch (p) {
    case Provider::Kling: return "kling";
    case Provider::Kirin: return "kirin";
    case Provider::Local: return "local";
  }
  return "";
}

std::string provider_default_url(Provider p) {
  switch (p) {
    case Provider::Kling: return kKlingDefaultUrl;
    case Provider::Kirin: return kKirinDefaultUrl;
    case Provider::Local: return "";
  }
  return "";
}

std::optional<Failure> check_video_settings(Provider provider, const std::string &video_url,
                                            const std::string &video_id) {
  Failure f;
  f.kind = Failure::Kind::Config;
  if (!video_url.empty() && !video_id.empty()) {
    f.message = "both video-url (\"" + video_url + "\") and video-id (\"" + video_id + "\") are set; set at most one";
    return f;
  }
  if (provider == Provider::Local && !video_id.empty()) {
    f.message = "video-id \"" + video_id +
                "\" cannot be used with provider=local: only the service resolves video ids; "
                "set video-url or let the element read the upstream file";
    return f;
  }
  return std::nullopt;
}

std::variant<VideoTarget, Failure> resolve_target(Provider provider, const std::string &video_url,
                                                  const std::string &video_id, const std::string &upstream_uri) {
  if (auto settings = check_video_settings(provider, video_url, video_id)) return *settings;
  Failure f;
  f.kind = Failure::Kind::Config;
  if (provider == Provider::Local) {
    std::string uri = !video_url.empty() ? video_url : upstream_uri;
    if (uri_is_file(uri) || uri_is_http(uri)) return VideoTarget{uri, ""};
    f.message = uri.empty() ? "provider=local needs the clip's location: upstream has no URI, set video-url"
                            : "provider=local reads file:// or http(s):// clips, not \"" + uri + "\"";
    return f;
  }
  if (!video_id.empty()) return VideoTarget{"", video_id};
  if (!video_url.empty()) {
    if (!uri_is_http(video_url)) {
      f.message = "video-url must be a public http(s) URL the service can fetch, not \"" + video_url + "\"";
      return f;
    }
    return VideoTarget{video_url, ""};
  }
  if (uri_is_http(upstream_uri)) return VideoTarget{upstream_uri, ""};
  if (upstream_uri.empty())
    f.message = "no clip location: upstream has no URI; set video-url to a public URL of this clip, or video-id";
  else
    f.message = "the clip comes from \"" + upstream_uri +
                "\", which the service cannot fetch (it downloads the clip itself, there is no upload): "
                "set video-url to a public http(s) URL of this clip, or video-id";
  return f;
}

std::shared_ptr<Job> Job::start(JobConfig config, JobListener listener) {
  auto job = std::make_shared<Job>(std::move(config), std::move(listener));
  job->worker_.post([job] { job->begin(); });
  return job;
}

Job::Job(JobConfig config, JobListener listener)
    : cfg_(std::move(config)),
      listener_(std::move(listener)),
      worker_(HttpWorker::get()),
      cancellable_(g_cancellable_new()),
      schedule_(cfg_.poll_interval_ms, cfg_.poll_interval_max_ms),
      rng_(std::random_device{}()) {
  static std::once_flag once;
  std::call_once(once, [] { GST_DEBUG_CATEGORY_INIT(idf_job_debug, "identifyface-job", 0, "identification jobs"); });
  if (cfg_.api_url.empty()) cfg_.api_url = provider_default_url(cfg_.provider);
}

Job::~Job() {
  clear_timers();
  g_object_unref(cancellable_);
}

uint64_t Job::elapsed_ms() const {
  gint64 from = submitted_us_ ? submitted_us_ : started_us_;
  return (uint64_t)((g_get_monotonic_time() - from) / 1000);
}

void Job::cancel() {
  if (cancelled_.exchange(true)) return;
  g_cancellable_cancel(cancellable_);
  std::shared_ptr<LocalEngine> engine;
  {
    std::lock_guard<std::mutex> g(engine_lock_);
    engine = engine_;
  }
  if (engine) engine->cancel();
  // A barrier on the worker: whatever step was running there has returned,
  // and every later step sees cancelled_ and does nothing.
  auto self = shared_from_this();
  if (worker_.on_worker_thread())
    clear_timers();
  else
    worker_.run_sync([self] { self->clear_timers(); });
}

void Job::set_timer(GSource **slot, unsigned ms, std::function<void()> fn) {
  if (*slot) {
    g_source_destroy(*slot);
    g_source_unref(*slot);
  }
  // The slot's reference is dropped as the timer fires, so clear_timers()
  // only ever destroys timers that have not fired.
  *slot = worker_.add_timer(ms, [this, slot, fn = std::move(fn)] {
    GSource *fired = *slot;
    *slot = nullptr;
    if (fired) g_source_unref(fired);
    fn();
  });
}

void Job::clear_timers() {
  for (GSource **slot : {&deadline_, &retry_timer_, &poll_timer_}) {
    if (*slot) {
      g_source_destroy(*slot);
      g_source_unref(*slot);
      *slot = nullptr;
    }
  }
}

void Job::progress(ProgressKind kind, const std::string &text) {
  if (!cancelled_ && listener_.progress) listener_.progress(kind, text);
}

void Job::finish(Outcome outcome) {
  if (stopped()) return;
  finished_ = true;
  clear_timers();
  g_cancellable_cancel(cancellable_);  // anything still in flight is moot
  if (auto *r = std::get_if<Result>(&outcome)) {
    r->provider = provider_name(cfg_.provider);
    r->video_url = cfg_.target.video_url;
    r->video_id = cfg_.target.video_id;
    r->stream_id = cfg_.stream_id;
    if (r->task_id.empty()) r->task_id = task_id_;
    clamp_faces_to_duration(r->faces, cfg_.clip.duration_ns);
    progress(ProgressKind::Complete, "identified " + std::to_string(r->faces.size()) + " face(s)");
  } else {
    auto &f = std::get<Failure>(outcome);
    if (f.task_id.empty()) f.task_id = task_id_;
    progress(ProgressKind::Error, f.message);
  }
  if (listener_.done) listener_.done(outcome);
}

void Job::begin() {
  if (stopped()) return;
  started_us_ = g_get_monotonic_time();
  auto self = shared_from_this();
  if (cfg_.timeout_s > 0) set_timer(&deadline_, cfg_.timeout_s * 1000u, [self] { self->on_deadline(); });
  probe_size();
}

void Job::on_deadline() {
  if (stopped()) return;
  double secs = (g_get_monotonic_time() - started_us_) / 1e6;
  char buf[64];
  g_snprintf(buf, sizeof buf, "%.1f", secs);
  Failure f;
  f.kind = Failure::Kind::Timeout;
  f.task_id = task_id_;
  f.message = std::string("timed out after ") + buf + " s (timeout=" + std::to_string(cfg_.timeout_s) + " s)";
  if (!task_id_.empty())
    f.message += "; task " + task_id_ + " may still finish: look it up with the service" +
                 (last_status_.empty() ? "" : " (last status \"" + last_status_ + "\")");
  else if (submitted_us_)
    f.message += " waiting for the service's answer";
  finish(f);
}

// The file size is not known when qtdemux sits upstream: ask the source.
void Job::probe_size() {
  ClipInfo &clip = cfg_.clip;
  if (clip.size_bytes || cfg_.validation == ValidationMode::Off || !cfg_.target.video_id.empty()) {
    validate_and_dispatch();
    return;
  }
  std::string uri = !clip.uri.empty() ? clip.uri : cfg_.target.video_url;
  if (uri_is_file(uri)) {
    GFile *file = g_file_new_for_uri(uri.c_str());
    GFileInfo *info = g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, nullptr, nullptr);
    if (info) {
      clip.size_bytes = (uint64_t)g_file_info_get_size(info);
      g_object_unref(info);
    }
    g_object_unref(file);
    validate_and_dispatch();
    return;
  }
  if (!uri_is_http(uri)) {
    validate_and_dispatch();
    return;
  }
  HttpRequest req;
  req.method = "HEAD";
  req.url = uri;
  req.timeout_s = cfg_.request_timeout_s;
  auto self = shared_from_this();
  worker_.send(req, cancellable_, [self](HttpResponse resp) {
    if (self->stopped()) return;
    if (resp.error == HttpResponse::Error::None && resp.status >= 200 && resp.status < 300 && resp.content_length)
      self->cfg_.clip.size_bytes = resp.content_length;
    else
      GST_DEBUG("size of the clip unknown (HEAD: status %u, %s)", resp.status, resp.error_text.c_str());
    self->validate_and_dispatch();
  });
}

void Job::validate_and_dispatch() {
  if (stopped()) return;
  if (cfg_.validation != ValidationMode::Off) {
    auto violations = validate_clip(cfg_.clip, cfg_.target.video_id.empty() ? VideoRef::Url : VideoRef::Id);
    if (!violations.empty()) {
      std::string text = describe_violations(violations);
      if (cfg_.validation == ValidationMode::Strict) {
        Failure f;
        f.kind = Failure::Kind::Validation;
        f.message = text + "; no request sent (set validation=warn or off to send anyway)";
        finish(f);
        return;
      }
      if (listener_.warning) listener_.warning(text);
    }
  }
  if (cfg_.provider == Provider::Local)
    run_local();
  else
    submit();
}

void Job::submit() {
  submitted_us_ = g_get_monotonic_time();
  submitted_flag_ = true;
  progress(ProgressKind::Start, std::string("submitting the clip to ") + provider_name(cfg_.provider));
  auto self = shared_from_this();
  auto build = [self] {
    HttpRequest req;
    req.method = "POST";
    req.url = self->cfg_.api_url;
    req.content_type = "application/json";
    req.body = self->cfg_.provider == Provider::Kirin ? kirin_submit_body(self->cfg_.model, self->cfg_.target)
                                                      : kling_request_body(self->cfg_.target);
    req.headers.emplace_back("Authorization", self->cfg_.authorization ? self->cfg_.authorization() : "");
    req.headers.emplace_back("Accept", "application/json");
    req.timeout_s = self->cfg_.request_timeout_s;
    req.new_connection = true;
    return req;
  };
  send_with_retries(RequestKind::Submission, build, [self](const HttpResponse &resp) { self->on_submitted(resp); });
}

void Job::on_submitted(const HttpResponse &resp) {
  if (cfg_.provider == Provider::Kling) {
    finish(parse_kling_response(resp.body, resp.status));
    return;
  }
  handle_task_answer(resp.body, resp.status, resp.retry_after);
}

void Job::handle_task_answer(const std::string &body, unsigned status, const std::string &retry_after) {
  auto parsed = parse_kirin_task(body, status);
  if (auto *f = std::get_if<Failure>(&parsed)) {
    if (task_id_.empty()) {
      // Not even a task id: the submission's fate is unknown.
      f->message += "; the submission may have created a task, so it is not resent";
      f->kind = Failure::Kind::Ambiguous;
    }
    finish(*f);
    return;
  }
  auto &task = std::get<TaskStatus>(parsed);
  if (task_id_.empty()) {
    if (task.task_id.empty()) {
      finish(Failure{Failure::Kind::Ambiguous, "",
                     "the submission's answer has no task_id or id (status \"" + task.status +
                         "\"); the task may exist, so the submission is not resent",
                     status, "", ""});
      return;
    }
    task_id_ = task.task_id;
  }
  last_status_ = task.status;
  switch (task.state) {
    case TaskState::Completed:
    case TaskState::Failed: finish(task.outcome); return;
    case TaskState::Unknown:
      GST_DEBUG("task %s: unknown status \"%s\", polling on", task_id_.c_str(), task.status.c_str());
      break;
    case TaskState::Running: break;
  }
  unsigned delay = schedule_.next_ms(elapsed_ms());
  if (auto ra = parse_retry_after_ms(retry_after.c_str())) delay = *ra;
  schedule_poll(delay);
}

void Job::schedule_poll(unsigned delay_ms) {
  auto self = shared_from_this();
  set_timer(&poll_timer_, delay_ms, [self] { self->poll(); });
}

void Job::poll() {
  if (stopped()) return;
  auto self = shared_from_this();
  auto build = [self] {
    HttpRequest req;
    req.method = "GET";
    req.url = kirin_poll_url(self->cfg_.poll_url, self->cfg_.api_url, self->task_id_);
    req.headers.emplace_back("Authorization", self->cfg_.authorization ? self->cfg_.authorization() : "");
    req.headers.emplace_back("Accept", "application/json");
    req.timeout_s = self->cfg_.request_timeout_s;
    return req;
  };
  send_with_retries(RequestKind::Poll, build, [self](const HttpResponse &resp) {
    self->handle_task_answer(resp.body, resp.status, resp.retry_after);
    if (!self->stopped()) {
      char secs[32];
      g_snprintf(secs, sizeof secs, "%.1f", self->elapsed_ms() / 1000.0);
      self->progress(ProgressKind::Continue,
                     "task " + self->task_id_ + ": " + self->last_status_ + " (" + secs + " s)");
    }
  });
}

static const char *request_name(RequestKind kind) {
  return kind == RequestKind::Submission ? "submission" : kind == RequestKind::Poll ? "status poll" : "size probe";
}

// Kling's code when the body is its envelope with a non-zero code.
static std::string service_code_of(const std::string &body) {
  JsonNode *root = json::parse(body, nullptr);
  std::string code;
  if (root && JSON_NODE_HOLDS_OBJECT(root)) {
    JsonObject *obj = json_node_get_object(root);
    // A Kirin task answer has "status"; its codes live inside the task.
    if (!json::has(obj, "status")) code = json::text_member(obj, "code").value_or("");
  }
  if (root) json_node_unref(root);
  return code == "0" ? "" : code;
}

void Job::send_with_retries(RequestKind kind, std::function<HttpRequest()> build, ResponseFn ok, unsigned attempt) {
  if (stopped()) return;
  auto self = shared_from_this();
  worker_.send(build(), cancellable_, [self, kind, build, ok, attempt](HttpResponse resp) {
    if (self->stopped()) return;
    Verdict verdict = Verdict::Permanent;
    std::string code;
    if (resp.error == HttpResponse::Error::Cancelled) return;
    if (resp.error == HttpResponse::Error::InvalidUrl) {
      self->finish(Failure{Failure::Kind::Config, "", resp.error_text, 0, "", self->task_id_});
      return;
    }
    if (resp.error != HttpResponse::Error::None) {
      verdict = classify_transport_failure(kind, resp.request_sent, resp.error == HttpResponse::Error::Timeout);
    } else {
      code = service_code_of(resp.body);
      if (resp.status >= 200 && resp.status < 300 && code.empty()) {
        ok(resp);
        return;
      }
      verdict = classify_http_failure(kind, resp.status, code);
    }
    if (verdict == Verdict::Retry && attempt < self->cfg_.max_retries) {
      unsigned delay = backoff_ms(attempt, self->rng_);
      if (auto ra = parse_retry_after_ms(resp.retry_after.c_str())) delay = *ra;
      GST_INFO("%s failed (status %u, code \"%s\", %s); retry %u of %u in %u ms", request_name(kind), resp.status,
               code.c_str(), resp.error_text.c_str(), attempt + 1, self->cfg_.max_retries, delay);
      self->set_timer(&self->retry_timer_, delay,
                      [self, kind, build, ok, attempt] { self->send_with_retries(kind, build, ok, attempt + 1); });
      return;
    }
    self->fail_request(kind, resp, code, verdict, attempt + 1);
  });
}

void Job::fail_request(RequestKind kind, const HttpResponse &resp, const std::string &code, Verdict verdict,
                       unsigned attempts) {
  const char *what = request_name(kind);
  Failure f;
  if (resp.error == HttpResponse::Error::Timeout) {
    f.kind = Failure::Kind::Transport;
    f.message =
        std::string(what) + " got no answer within request-timeout=" + std::to_string(cfg_.request_timeout_s) + " s";
  } else if (resp.error != HttpResponse::Error::None) {
    f.kind = Failure::Kind::Transport;
    f.message = std::string(what) + " failed: " + resp.error_text;
  } else {
    Outcome parsed = parse_kling_response(resp.body, resp.status);
    if (auto *pf = std::get_if<Failure>(&parsed))
      f = *pf;
    else
      f = Failure{Failure::Kind::Http, code, "HTTP " + std::to_string(resp.status), resp.status, "", ""};
    f.message = std::string(what) + ": " + f.message;
  }
  if (verdict == Verdict::Ambiguous) {
    f.kind = Failure::Kind::Ambiguous;
    f.message += "; not resent: the service may already have received and billed it";
  } else if (verdict == Verdict::Retry) {
    f.message += "; gave up after " + std::to_string(attempts) +
                 " attempt(s) (max-retries=" + std::to_string(cfg_.max_retries) + ")";
  }
  f.task_id = task_id_;
  finish(f);
}

void Job::run_local() {
  submitted_us_ = g_get_monotonic_time();
  progress(ProgressKind::Start, "analysing the clip locally");
  LocalEngineOptions opts;
  opts.uri = cfg_.target.video_url;
  opts.face_image_dir = cfg_.face_image_dir;
  opts.duration_ns = cfg_.clip.duration_ns;
  std::weak_ptr<Job> weak = shared_from_this();
  auto on_progress = [weak](double fraction) {
    auto self = weak.lock();
    if (!self || self->cancelled_) return;
    self->worker_.post([self, fraction] {
      if (self->stopped()) return;
      char text[64];
      g_snprintf(text, sizeof text, "analysed %.0f%% of the clip", fraction * 100.0);
      self->progress(ProgressKind::Continue, text);
    });
  };
  auto on_done = [weak](Outcome outcome) {
    auto self = weak.lock();
    if (!self || self->cancelled_) return;
    self->worker_.post([self, outcome] { self->finish(outcome); });
  };
  auto engine = LocalEngine::start(opts, on_progress, on_done);
  std::lock_guard<std::mutex> g(engine_lock_);
  engine_ = engine;
  if (cancelled_)  // cancel() may have looked before the engine existed
    engine_->cancel();
}

}  // namespace idf
