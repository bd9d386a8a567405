// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/job.h"

#include <gst/gst.h>

#include <algorithm>

#include "base/debug_categories.h"
#include "base/url_policy.h"
#include "job/clip_reading.h"
#include "job/lipsync_flow.h"

#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

std::shared_ptr<Job> Job::start(JobConfig config, JobListener listener, JobDeps deps) {
  auto job = std::make_shared<Job>(std::move(config), std::move(listener), std::move(deps));
  job->deps_.loop->post([job] { job->step([&] { job->begin(); }); });
  return job;
}

Job::Job(JobConfig config, JobListener listener, JobDeps deps)
    : cfg_(std::move(config)),
      listener_(std::move(listener)),
      deps_(std::move(deps)),
      flow_(cfg_.lipsync ? make_lipsync_flow(cfg_.provider) : provider_info(cfg_.provider).make_flow()),
      cancellable_(g_cancellable_new()),
      rng_(std::random_device{}()) {
  init_debug_categories();
  if (cfg_.api_url.empty())
    cfg_.api_url = cfg_.lipsync ? lipsync_default_url(cfg_.provider) : provider_info(cfg_.provider).default_url;
}

Job::~Job() {
  g_object_unref(cancellable_);
}

void Job::cancel() {
  if (cancelled_.exchange(true)) return;
  g_cancellable_cancel(cancellable_);
  flow_->cancel();
  // Whatever step of this job was running has returned, and every later one
  // sees cancelled_ and does nothing. Timers are the loop's to remove.
  { std::lock_guard<std::recursive_mutex> wait_for_step(step_lock_); }
  auto self = shared_from_this();
  deps_.loop->post([self] {
    self->clear_timers();
    if (self->admission_ && !self->finished_) self->deps_.admission->leave(self->admission_);
  });
}

void Job::set_timer(EventLoop::TimerId &slot, unsigned ms, std::function<void()> fn) {
  deps_.loop->cancel_timer(slot);
  auto self = shared_from_this();
  slot = deps_.loop->add_timer(ms, [self, &slot, fn = std::move(fn)] {
    self->step([&] {
      slot = 0;
      fn();
    });
  });
}

void Job::clear_timers() {
  for (EventLoop::TimerId *slot : {&deadline_, &retry_timer_, &flow_timer_}) {
    deps_.loop->cancel_timer(*slot);
    *slot = 0;
  }
}

void Job::emit_progress(Progress p) {
  if (cancelled_ || !listener_.progress) return;
  if (p.task_id.empty()) p.task_id = task_id_;
  p.elapsed_s = started_us_ ? (deps_.loop->monotonic_us() - started_us_) / 1e6 : 0;
  listener_.progress(p);
}

void Job::progress(Progress p) {
  if (!stopped()) emit_progress(std::move(p));
}

// `detail` prefixed with the request it is about ("POST https://host/path",
// no query: signed URLs carry secrets there), unless it names it already.
static std::string with_request(const std::string &request, const std::string &detail) {
  if (request.empty() || detail.compare(0, request.size(), request) == 0) return detail;
  return request + (detail.empty() ? "" : ": " + detail);
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
    // The session began when the clip was submitted (what the cache stores
    // too); a collected task's submission is unknown: its answer is "now".
    if (!r->session_created_s && cfg_.provider != Provider::Local && !cfg_.lipsync)
      r->session_created_s = submitted_wall_s_ ? submitted_wall_s_ : deps_.loop->wall_s();
    clamp_faces_to_duration(r->faces, cfg_.clip.duration_ns);
    if (cfg_.provider == Provider::Local) {
      ServiceVerdict v = service_verdict(cfg_.clip, cfg_.target.video_id.empty() ? VideoRef::Url : VideoRef::Id);
      r->service_verdict = v.verdict;
      r->service_refusal = v.refusal;
    }
    if (cfg_.lipsync)
      emit_progress({IDENTIFYFACE_PHASE_COMPLETE,
                     "lip-sync task " + r->task_id + " made " + std::to_string(r->videos.size()) + " video(s)"});
    else
      emit_progress({IDENTIFYFACE_PHASE_COMPLETE, "identified " + std::to_string(r->faces.size()) + " face(s)" +
                                                      (r->cached ? " (from the cache)" : "")});
  } else {
    auto &f = std::get<Failure>(outcome);
    if (f.task_id.empty()) f.task_id = task_id_;
    f.detail = with_request(answering_, f.detail);
    emit_progress({IDENTIFYFACE_PHASE_ERROR, f.message});
  }
  if (admission_) deps_.admission->finished(admission_, outcome, submitted_wall_s_);
  if (listener_.done) listener_.done(outcome);
}

std::function<void(std::function<void()>)> Job::guarded_poster() {
  std::weak_ptr<Job> weak = shared_from_this();
  EventLoop *loop = deps_.loop;  // outlives every job
  return [weak, loop](std::function<void()> fn) {
    if (auto alive = weak.lock(); !alive || alive->cancelled_) return;
    loop->post([weak, fn = std::move(fn)] {
      if (auto self = weak.lock()) self->step(fn);
    });
  };
}

void Job::begin() {
  if (stopped()) return;
  started_us_ = deps_.loop->monotonic_us();
  if (cfg_.timeout_s > 0) set_timer(deadline_, cfg_.timeout_s * 1000u, [this] { on_deadline(); });
  if (!cfg_.task_id.empty()) {
    // Collecting a task submitted before: nothing is sent about the clip and
    // nothing is charged, so there is no limit to check, no cache to consult
    // (the answer is the task's, whichever clip it was made from) and no
    // place to take in the account's queue.
    flow_->run(*this);
    return;
  }
  // A lip-sync's request was checked before the job (lipsync_preflight.h):
  // no clip to read, nothing to cache.
  if (cfg_.lipsync)
    admit();
  else
    read_clip_metadata();
}

// What caps, queries and tags left unknown, read from the clip itself; the
// file size from the file system or a HEAD when qtdemux sits upstream. An
// http(s) clip's validators (ETag, Last-Modified) come with the same HEAD:
// the result cache keys on them.
void Job::read_clip_metadata() {
  ClipReadRequest req;
  req.uri = !cfg_.clip.uri.empty() ? cfg_.clip.uri : cfg_.target.video_url;
  req.known = cfg_.clip;
  const bool by_url = cfg_.target.video_id.empty();
  req.probe = cfg_.validation != ValidationMode::Off && by_url;
  req.size = cfg_.validation != ValidationMode::Off && by_url;
  req.validators = deps_.admission && cfg_.cache_ttl_s > 0 && by_url;
  req.timeout_s = cfg_.request_timeout_s;
  req.ca_file = cfg_.ca_file;
  req.requester = cfg_.requester;
  if (clip_read_probes(req, deps_.prober)) {
    GST_DEBUG("%s: reading the clip for its unknown limits", cfg_.requester.c_str());
    progress({IDENTIFYFACE_PHASE_CHECKING, "reading the clip for the limits the stream did not tell"});
  }
  auto self = shared_from_this();
  read_clip(
      req, deps_.prober, *deps_.transport, cancellable_, [self](std::function<void()> fn) { self->step(fn); },
      [self](ClipReading reading) {
        if (!reading.has_video) {
          self->finish(Failure::validation("the clip has no video stream (it has " + reading.streams +
                                           "): identifyface identifies faces in video; no request sent"));
          return;
        }
        self->cfg_.clip = reading.clip;
        self->probe_problem_ = reading.problem;
        if (!reading.size_problem.empty())
          self->probe_problem_ += (self->probe_problem_.empty() ? "" : "; ") + reading.size_problem;
        if (reading.validators) self->validators_ = *reading.validators;
        self->validate_and_run();
      });
}

void Job::begin_work(bool billable) {
  working_since_us_ = deps_.loop->monotonic_us();
  if (billable) {
    submitted_ = true;
    submitted_wall_s_ = deps_.loop->wall_s();
    if (admission_) deps_.admission->submitted(admission_);
  }
}

double Job::seconds_working() const {
  int64_t from = working_since_us_ ? working_since_us_ : started_us_;
  return (deps_.loop->monotonic_us() - from) / 1e6;
}

void Job::note_task(const std::string &task_id, const std::string &status) {
  task_id_ = task_id;
  task_status_ = status;
  std::lock_guard<std::mutex> g(task_lock_);
  task_id_shared_ = task_id;
}

void Job::on_deadline() {
  char secs[64];
  g_snprintf(secs, sizeof secs, "%.1f", (deps_.loop->monotonic_us() - started_us_) / 1e6);
  std::string text = std::string("timed out after ") + secs + " s (timeout=" + std::to_string(cfg_.timeout_s) + " s)";
  if (!task_id_.empty())
    text += "; task " + task_id_ + " may still finish" +
            (task_status_.empty() ? "" : " (last status \"" + task_status_ + "\")") +
            (cfg_.lipsync
                 ? ": collect it later with lipsync task-id=" + task_id_ +
                       " (gst-identify-face --lipsync-task-id=" + task_id_ + " CLIP)"
                 : ": collect it later with task-id=" + task_id_ + " (gst-identify-face --task-id=" + task_id_ + ")") +
            ", which polls it without a new charge";
  else if (submitted_)
    text += " waiting for the service's answer";
  // The deadline bounds what the flow runs off the loop too: the local
  // engine stops decoding now, not when the job is dropped.
  flow_->cancel();
  finish(Failure::timeout(text).with_task_id(task_id_));
}

void Job::validate_and_run() {
  // Nothing is billed locally: the limits are a verdict in the result, not a
  // gate, unless validation was set.
  const bool local_precheck = cfg_.provider == Provider::Local && !cfg_.validation_explicit;
  if (cfg_.validation != ValidationMode::Off && !local_precheck) {
    VideoRef ref = cfg_.target.video_id.empty() ? VideoRef::Url : VideoRef::Id;
    std::string text;
    auto violations = validate_clip(cfg_.clip, ref);
    if (!violations.empty()) text = describe_violations(violations);
    // A limit that could not be checked is only a problem where credits are
    // spent: the local engine costs nothing.
    std::vector<std::string> unknown;
    if (provider_info(cfg_.provider).needs_credentials) unknown = unknown_limits(cfg_.clip, ref);
    if (!unknown.empty()) {
      std::string names;
      for (const auto &u : unknown) names += (names.empty() ? "" : ", ") + u;
      text += std::string(text.empty() ? "" : "; ") + "cannot check the clip against the service's limits: " + names +
              " unknown" + (probe_problem_.empty() ? "" : " (" + probe_problem_ + ")") +
              "; place identifyface after the demuxer, or set validation=warn";
    }
    if (!text.empty()) {
      if (cfg_.validation == ValidationMode::Strict) {
        finish(Failure::validation(text + "; no request sent (set validation=warn or off to send anyway)"));
        return;
      }
      if (listener_.warning) listener_.warning(text);
    }
  }
  admit();
}

// Local clips are hashed on a thread of their own (a 100 MB file takes about
// a second): one thread for the process, whatever the number of elements.
static GThreadPool *hashing_pool() {
  static GThreadPool *pool = g_thread_pool_new(
      [](gpointer data, gpointer) {
        auto *fn = static_cast<std::function<void()> *>(data);
        (*fn)();
        delete fn;
      },
      nullptr, 1, FALSE, nullptr);
  return pool;
}

void Job::admit() {
  if (!deps_.admission) {
    if (cfg_.cache_only)
      finish(Failure::config("cache-only: there is no result cache to answer from; nothing was sent"));
    else
      flow_->run(*this);
    return;
  }
  if (cfg_.lipsync) {
    admit_with_content("");
    return;
  }
  std::string uri = !cfg_.clip.uri.empty() ? cfg_.clip.uri : cfg_.target.video_url;
  auto path = local_path_of_uri(uri);
  if (cfg_.cache_ttl_s == 0 || !path) {
    admit_with_content(uri_is_http(uri) && !validators_.etag.empty() + !validators_.last_modified.empty() +
                                               validators_.content_length.has_value()
                           ? http_content_fingerprint(uri, validators_)
                           : "");
    return;
  }
  std::string index_dir = (cfg_.cache_dir.empty() ? default_result_cache_dir() : cfg_.cache_dir) + "/hashes";
  auto to_loop = guarded_poster();
  GCancellable *cancellable = G_CANCELLABLE(g_object_ref(cancellable_));
  auto *work = new std::function<void()>([this, to_loop, cancellable, index_dir, path = *path] {
    auto digest = FileHashIndex(index_dir).digest(path, cancellable);
    g_object_unref(cancellable);
    to_loop([this, digest] {
      if (auto *d = std::get_if<FileDigest>(&digest)) {
        admit_with_content(file_content_fingerprint(d->sha256));
      } else {
        GST_DEBUG("%s: not cached: %s", cfg_.requester.c_str(), std::get<std::string>(digest).c_str());
        admit_with_content("");
      }
    });
  });
  g_thread_pool_push(hashing_pool(), work, nullptr);
}

void Job::admit_with_content(std::string content) {
  const ProviderInfo &info = provider_info(cfg_.provider);
  AdmissionRequest request;
  request.key.provider = info.name;
  request.key.endpoint = info.needs_credentials ? cfg_.api_url : "";
  request.key.model = cfg_.provider == Provider::Kirin ? cfg_.model : "";
  // A lip-sync's key names no clip: never cached nor shared, each is its own.
  request.key.video_url = cfg_.lipsync ? "" : cfg_.target.video_url;
  request.key.video_id = cfg_.lipsync ? "" : cfg_.target.video_id;
  request.key.content = std::move(content);
  // provider=local: the crops' folder, and the engine that made the faces.
  if (cfg_.provider == Provider::Local)
    request.key.variant = "face-image-dir=" + cfg_.face_image_dir + "; engine " + LocalEngine::result_identity();
  request.credential = info.needs_credentials ? cfg_.credential : "";
  request.cache_dir = cfg_.cache_dir;
  request.cache_ttl_s = cfg_.lipsync ? 0 : cfg_.cache_ttl_s;
  request.max_concurrent = cfg_.max_concurrent;
  // Collecting a task submitted before adds none to the account's.
  request.queued = info.needs_credentials && !(cfg_.lipsync && !cfg_.lipsync->task_id.empty()) && !cfg_.cache_only;
  request.requester = cfg_.requester;
  auto to_loop = guarded_poster();
  Admission::Callbacks callbacks;
  // Each runs on the loop, only while the job goes on.
  callbacks.cached = [this, to_loop](CachedResult hit) {
    to_loop([this, hit] {
      Result r = hit.result;
      r.cached = true;
      r.cached_at = hit.cached_at;
      r.session_created_s = hit.session_started_s;
      finish(std::move(r));
    });
  };
  callbacks.start = [this, to_loop] {
    to_loop([this] {
      if (!cfg_.cache_only) {
        flow_->run(*this);
        return;
      }
      finish(Failure::config(cfg_.cache_ttl_s == 0
                                 ? "cache-only with cache-ttl=0: there is no result cache to answer from"
                                 : "cache-only: this clip has no identification in the result cache for this account "
                                   "and these settings; nothing was sent"));
    });
  };
  callbacks.queued = [this, to_loop](size_t place) {
    to_loop([this, place] {
      Progress p{IDENTIFYFACE_PHASE_QUEUED, "queued: place " + std::to_string(place) +
                                                " in the account's queue (tasks in flight are at the account's limit)"};
      p.queue_position = place;
      progress(std::move(p));
    });
  };
  callbacks.shared = [this, to_loop](const Outcome &outcome) { to_loop([this, outcome] { finish(outcome); }); };
  admission_ = deps_.admission->admit(request, std::move(callbacks));
}

HttpRequest Job::service_request(const char *method, const std::string &url) {
  HttpRequest req;
  req.method = method;
  req.url = url;
  req.headers.emplace_back("Authorization", cfg_.authorization ? cfg_.authorization(deps_.loop->wall_s()) : "");
  req.headers.emplace_back("Accept", "application/json");
  req.timeout_s = cfg_.request_timeout_s;
  req.requester = cfg_.requester;
  req.ca_file = cfg_.ca_file;
  return req;
}

void Job::after(unsigned ms, std::function<void()> fn) {
  set_timer(flow_timer_, ms, std::move(fn));
}

void Job::send(RequestKind kind, std::function<HttpRequest()> build, AnswerFn answer) {
  send_attempt(kind, std::move(build), std::move(answer), 0);
}

static const char *request_name(RequestKind kind) {
  return kind == RequestKind::Submission ? "submission" : kind == RequestKind::Poll ? "status poll" : "size probe";
}

void Job::send_attempt(RequestKind kind, std::function<HttpRequest()> build, AnswerFn answer, unsigned attempt) {
  if (stopped()) return;
  auto self = shared_from_this();
  HttpRequest req = build();
  std::string request = req.method + " " + loggable_url(req.url);
  deps_.transport->send(req, cancellable_, [self, kind, build, answer, attempt, request](HttpResponse resp) {
    std::lock_guard<std::recursive_mutex> g(self->step_lock_);
    if (self->stopped() || resp.error == HttpResponse::Error::Cancelled) return;
    if (resp.error == HttpResponse::Error::InvalidUrl) {
      self->finish(Failure::config(resp.error_text));
      return;
    }
    Failure refusal;
    Verdict verdict;
    if (resp.error != HttpResponse::Error::None) {
      refusal = self->transport_failure(kind, resp);
      refusal.detail = with_request(request, resp.detail);
      verdict = classify_response_error(kind, resp);
    } else {
      self->answering_ = request;
      std::optional<Failure> refused = answer(resp);
      self->answering_.clear();
      if (!refused) {  // accepted
        if (kind == RequestKind::Submission && self->admission_) self->deps_.admission->accepted(self->admission_);
        return;
      }
      refusal = std::move(*refused);
      refusal.detail = with_request(request, refusal.detail);
      if (kind == RequestKind::Submission && self->admission_ &&
          is_concurrency_refusal(resp.status, refusal.code, !resp.retry_after.empty())) {
        // Not billed: wait for a place in the account's queue, not a retry.
        GST_INFO("%s: the account has too many tasks in flight (%s); back in the queue", self->cfg_.requester.c_str(),
                 refusal.message.c_str());
        self->deps_.admission->refused(self->admission_);
        return;
      }
      verdict = classify_http_failure(kind, resp.status, refusal.code);
    }
    if (verdict == Verdict::Retry && attempt < self->cfg_.max_retries) {
      unsigned delay = backoff_ms(attempt, self->rng_);
      if (auto ra = parse_retry_after_ms(resp.retry_after.c_str(), self->deps_.loop->wall_s())) delay = *ra;
      GST_INFO("%s: %s failed (status %u, code \"%s\", %s); retry %u of %u in %u ms", self->cfg_.requester.c_str(),
               request_name(kind), resp.status, refusal.code.c_str(), refusal.message.c_str(), attempt + 1,
               self->cfg_.max_retries, delay);
      self->set_timer(self->retry_timer_, delay,
                      [self, kind, build, answer, attempt] { self->send_attempt(kind, build, answer, attempt + 1); });
      return;
    }
    self->give_up(kind, std::move(refusal), verdict, attempt + 1);
  });
}

Failure Job::transport_failure(RequestKind kind, const HttpResponse &resp) const {
  if (resp.error == HttpResponse::Error::Timeout)
    return Failure::transport(std::string(request_name(kind)) +
                              " got no answer within request-timeout=" + std::to_string(cfg_.request_timeout_s) + " s");
  return Failure::transport(std::string(request_name(kind)) + " failed: " + resp.error_text);
}

void Job::give_up(RequestKind kind, Failure f, Verdict verdict, unsigned attempts) {
  if (f.kind != Failure::Kind::Transport) f.message = std::string(request_name(kind)) + ": " + f.message;
  if (verdict == Verdict::Ambiguous) {
    f.kind = Failure::Kind::Ambiguous;
    f.message += "; not resent: the service may already have received and billed it";
  } else if (verdict == Verdict::Retry) {
    f.message += "; gave up after " + std::to_string(attempts) +
                 " attempt(s) (max-retries=" + std::to_string(cfg_.max_retries) + ")";
  }
  finish(std::move(f));
}

}  // namespace idf
