// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/stream_analysis.h"

#ifndef IDF_HAVE_LOCAL_ENGINE

namespace idf::local {

// Built without OpenCV: provider=local says so when it starts.
struct StreamAnalysis::Impl {};
std::unique_ptr<StreamAnalysis> StreamAnalysis::create(StreamAnalysisOptions, ProgressFn, std::string *error) {
  *error = "provider=local is not available: the plugin was built without the local engine (OpenCV dnn)";
  return nullptr;
}
StreamAnalysis::StreamAnalysis(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamAnalysis::~StreamAnalysis() = default;
bool StreamAnalysis::wants(uint64_t) const {
  return false;
}
uint64_t StreamAnalysis::next_sample_ns() const {
  return 0;
}

bool StreamAnalysis::push(const RawFrame &, uint64_t) {
  return false;
}
void StreamAnalysis::wait_analysed(uint64_t) {}
std::vector<Mark> StreamAnalysis::marks_at(uint64_t) const {
  return {};
}
bool StreamAnalysis::ended_by(const std::string &, uint64_t) const {
  return false;
}

Outcome StreamAnalysis::finish(uint64_t, bool) {
  return Failure::local("provider=local is not available");
}
void StreamAnalysis::stop() {}
const std::string &StreamAnalysis::face_image_dir() const {
  static const std::string none;
  return none;
}
std::string StreamAnalysis::whole_clip_fingerprint() {
  return "";
}
uint64_t StreamAnalysis::samples_dropped() const {
  return 0;
}
uint64_t StreamAnalysis::samples_analysed() const {
  return 0;
}

}  // namespace idf::local

#else

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "base/debug_categories.h"
#include "local/face_analyser.h"
#include "local/face_image_folders.h"
#include "local/face_model.h"
#include "local/local_result.h"

#define GST_CAT_DEFAULT idf_local_debug

namespace idf::local {

namespace {

// Frames waiting for the analysis: each is a full-size copy.
constexpr size_t kQueuedFrames = 3;
// Analysed samples kept for marks: enough to interpolate behind a live
// stream that runs ahead of the analysis.
constexpr uint64_t kMarksMemoryNs = 2 * kNsPerSecond;
// Mouth centre among BlazeFace's keypoints (eyes, nose tip, mouth, ears).
constexpr size_t kMouthKeypoint = 3;

FrameView view_of(const RawFrame &f) {
  auto plane = [&](int i, int rows, int cols, int type) {
    return cv::Mat(rows, cols, type, const_cast<uint8_t *>(f.planes[i]), (size_t)f.strides[i]);
  };
  int cw = (f.width + 1) / 2, ch = (f.height + 1) / 2;
  switch (f.format) {
    case RawFrame::Format::RGB:
      return FrameView::packed(FrameView::Format::RGB, plane(0, f.height, f.width, CV_8UC3), f.pixel_aspect);
    case RawFrame::Format::BGR:
      return FrameView::packed(FrameView::Format::BGR, plane(0, f.height, f.width, CV_8UC3), f.pixel_aspect);
    case RawFrame::Format::RGBA:
      return FrameView::packed(FrameView::Format::RGBA, plane(0, f.height, f.width, CV_8UC4), f.pixel_aspect);
    case RawFrame::Format::BGRA:
      return FrameView::packed(FrameView::Format::BGRA, plane(0, f.height, f.width, CV_8UC4), f.pixel_aspect);
    case RawFrame::Format::I420:
      return FrameView::i420(plane(0, f.height, f.width, CV_8UC1), plane(1, ch, cw, CV_8UC1), plane(2, ch, cw, CV_8UC1),
                             f.pixel_aspect);
    case RawFrame::Format::NV12:
      return FrameView::nv12(plane(0, f.height, f.width, CV_8UC1), plane(1, ch, cw, CV_8UC2), f.pixel_aspect);
  }
  return FrameView();
}

Mark mark_of(const std::string &id, const Detection &d, bool interpolated) {
  Mark m;
  m.face_id = id;
  m.x = d.box.x;
  m.y = d.box.y;
  m.width = d.box.width;
  m.height = d.box.height;
  m.score = d.score;
  m.mouth_x = d.keypoints[kMouthKeypoint].x;
  m.mouth_y = d.keypoints[kMouthKeypoint].y;
  m.interpolated = interpolated;
  return m;
}

Detection lerp(const Detection &a, const Detection &b, double f) {
  Detection d = a;
  d.box.x += (b.box.x - a.box.x) * f;
  d.box.y += (b.box.y - a.box.y) * f;
  d.box.width += (b.box.width - a.box.width) * f;
  d.box.height += (b.box.height - a.box.height) * f;
  for (size_t k = 0; k < d.keypoints.size(); k++) {
    d.keypoints[k].x += (b.keypoints[k].x - a.keypoints[k].x) * f;
    d.keypoints[k].y += (b.keypoints[k].y - a.keypoints[k].y) * f;
  }
  d.score = std::min(a.score, b.score);
  return d;
}

// The analyser's settings: with frame marks every sample is analysed at
// once (the stream waits for it, not for a key sample).
AnalyserConfig analyser_config(bool frame_marks) {
  AnalyserConfig config;
  if (frame_marks) config.key_interval_ns = 0;
  config.sample_interval_ns = kSampleIntervalNs;
  return config;
}

const SampleFace *find_face(const AnalysedSample &s, const std::string &id) {
  for (const auto &f : s.faces)
    if (f.id && *f.id == id) return &f;
  return nullptr;
}

}  // namespace

struct StreamAnalysis::Impl {
  StreamAnalysisOptions options;
  ProgressFn progress;
  std::unique_ptr<FaceAnalyser> analyser;  // the analysis thread's, and finish()'s once it ended

  mutable std::mutex lock;
  std::condition_variable changed;
  std::deque<std::pair<uint64_t, FrameView> > queue;  // owning copies
  bool busy = false;                                  // a frame is being analysed
  bool stopping = false;
  std::optional<uint64_t> pushed_until;    // time of the last frame pushed
  std::optional<uint64_t> analysed_until;  // time of the last frame analysed
  std::deque<AnalysedSample> recent;       // final samples, for marks
  uint64_t dropped = 0, analysed = 0;
  std::optional<uint64_t> next_sample_ns;  // streaming thread only
  uint64_t max_gap_ns = 0;                 // the tracker's: longer unseen, a face ends
  std::thread thread;
  std::mutex join_lock;  // stop() may come from two threads at once

  void join() {
    std::lock_guard<std::mutex> g(join_lock);
    if (thread.joinable()) thread.join();
  }

  void run() {
    std::unique_lock<std::mutex> lk(lock);
    for (;;) {
      changed.wait(lk, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      auto [time_ns, frame] = std::move(queue.front());
      queue.pop_front();
      busy = true;
      changed.notify_all();  // room in the queue
      lk.unlock();
      std::vector<AnalysedSample> done;
      try {
        // The queue's copy: kept without another one when it must wait.
        done = analyser->analyse_owned(frame, time_ns);
      } catch (const std::exception &e) {
        GST_WARNING("%s: frame at %" GST_TIME_FORMAT " not analysed: %s", options.requester.c_str(),
                    GST_TIME_ARGS(time_ns), e.what());
      }
      lk.lock();
      busy = false;
      analysed++;
      for (auto &s : done) recent.push_back(std::move(s));
      while (!recent.empty() && recent.front().time_ns + kMarksMemoryNs < time_ns) recent.pop_front();
      analysed_until = time_ns;
      changed.notify_all();
      if (progress) {
        lk.unlock();
        progress(time_ns);
        lk.lock();
      }
    }
  }
};

std::unique_ptr<StreamAnalysis> StreamAnalysis::create(StreamAnalysisOptions options, ProgressFn progress,
                                                       std::string *error) {
  init_debug_categories();
  // Resolved once: the folder checked now is the one the crops go to.
  options.face_image_dir = open_face_image_dir(options.face_image_dir, g_get_real_time() / G_USEC_PER_SEC, error);
  if (options.face_image_dir.empty()) return nullptr;
  const AnalyserConfig config = analyser_config(options.frame_marks);
  std::string model = locate_face_model(error, options.face_model);
  if (model.empty()) return nullptr;
  auto analyser = FaceAnalyser::create(model, config, error);
  if (!analyser) return nullptr;
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->progress = std::move(progress);
  impl->analyser = std::move(analyser);
  impl->max_gap_ns = config.tracker.max_gap_ns;
  Impl *raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  GST_INFO("%s: analysing frames (%s stream%s), face pictures in %s", raw->options.requester.c_str(),
           raw->options.live ? "live" : "non-live", raw->options.frame_marks ? ", marks as it goes" : "",
           raw->options.face_image_dir.c_str());
  return std::unique_ptr<StreamAnalysis>(new StreamAnalysis(std::move(impl)));
}

StreamAnalysis::StreamAnalysis(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StreamAnalysis::~StreamAnalysis() {
  stop();
}

bool StreamAnalysis::wants(uint64_t time_ns) const {
  return !impl_->next_sample_ns || time_ns >= *impl_->next_sample_ns;
}

uint64_t StreamAnalysis::next_sample_ns() const {
  return impl_->next_sample_ns.value_or(0);
}

bool StreamAnalysis::push(const RawFrame &frame, uint64_t time_ns) {
  Impl &d = *impl_;
  d.next_sample_ns = time_ns - time_ns % kSampleIntervalNs + kSampleIntervalNs;
  std::unique_lock<std::mutex> lk(d.lock);
  if (d.options.live) {
    if (d.queue.size() >= kQueuedFrames || d.stopping) {
      d.dropped++;
      return false;
    }
  } else {
    d.changed.wait(lk, [&] { return d.stopping || d.queue.size() < kQueuedFrames; });
    if (d.stopping) return false;
  }
  lk.unlock();
  FrameView copy = view_of(frame).deep_copy();  // outside the lock: a full frame
  lk.lock();
  d.queue.emplace_back(time_ns, std::move(copy));
  d.pushed_until = time_ns;
  d.changed.notify_all();
  return true;
}

void StreamAnalysis::wait_analysed(uint64_t time_ns) {
  Impl &d = *impl_;
  std::unique_lock<std::mutex> lk(d.lock);
  d.changed.wait(lk, [&] {
    if (d.stopping || !d.pushed_until) return true;
    uint64_t want = std::min(time_ns, *d.pushed_until);
    return d.analysed_until && *d.analysed_until >= want;
  });
}

std::vector<Mark> StreamAnalysis::marks_at(uint64_t time_ns) const {
  const Impl &d = *impl_;
  std::lock_guard<std::mutex> g(d.lock);
  std::vector<Mark> out;
  // The last final sample at or before `time_ns`, and the next one if known.
  const AnalysedSample *before = nullptr, *after = nullptr;
  for (const auto &s : d.recent) {
    if (s.time_ns <= time_ns)
      before = &s;
    else {
      after = &s;
      break;
    }
  }
  if (!before || (!after && time_ns - before->time_ns > 2 * kSampleIntervalNs))
    return out;  // nothing analysed near this time (a live stream ahead of the analysis)
  for (const auto &f : before->faces) {
    if (!f.id) continue;  // not confirmed yet
    if (!after) {
      out.push_back(mark_of(*f.id, f.detection, f.interpolated || time_ns != before->time_ns));
      continue;
    }
    const SampleFace *next = after->cut_before ? nullptr : find_face(*after, *f.id);
    double span = (double)(after->time_ns - before->time_ns);
    double frac = span > 0 ? (time_ns - before->time_ns) / span : 0;
    if (next)
      out.push_back(mark_of(*f.id, lerp(f.detection, next->detection, frac), time_ns != before->time_ns));
    else if (frac < 0.5)  // it left (or a cut): visible until half way, as the interval says
      out.push_back(mark_of(*f.id, f.detection, time_ns != before->time_ns));
  }
  return out;
}

bool StreamAnalysis::ended_by(const std::string &face_id, uint64_t time_ns) const {
  const Impl &d = *impl_;
  std::lock_guard<std::mutex> g(d.lock);
  const AnalysedSample *latest = nullptr, *seen = nullptr;
  bool cut_since_seen = false;
  for (const auto &s : d.recent) {
    if (s.time_ns > time_ns) break;
    latest = &s;
    if (find_face(s, face_id)) {
      seen = &s;
      cut_since_seen = false;
    } else if (s.cut_before) {
      cut_since_seen = true;
    }
  }
  if (!latest || time_ns - latest->time_ns > 2 * kSampleIntervalNs) return false;  // not analysed that far
  if (!seen) return true;  // last seen before the samples kept, longer ago than any gap
  return cut_since_seen || latest->time_ns - seen->time_ns > d.max_gap_ns;
}

Outcome StreamAnalysis::finish(uint64_t clip_end_ns, bool complete) {
  Impl &d = *impl_;
  {
    std::unique_lock<std::mutex> lk(d.lock);
    if (complete)  // everything pushed is analysed first
      d.changed.wait(lk, [&] { return d.stopping || (d.queue.empty() && !d.busy); });
    d.stopping = true;
    d.queue.clear();
    d.changed.notify_all();
  }
  d.join();
  d.analyser->flush();
  {
    // Where the analysis spent its time.
    const AnalyserStats &stats = d.analyser->stats();
    GST_DEBUG("%s: %zu samples, detection on %zu, %zu forward passes (%.2f CPU-s), %zu cuts, appearances %.3f CPU-s",
              d.options.requester.c_str(), stats.samples, stats.samples_detected, stats.forward_passes,
              stats.detection_s, stats.cuts, stats.appearance_s);
  }
  LocalResultOptions opts;
  opts.face_image_dir = d.options.face_image_dir;
  Outcome out = write_local_result(d.analyser->faces(clip_end_ns), opts);
  if (auto *r = std::get_if<Result>(&out)) r->shot_cuts_ns = d.analyser->cuts();
  return out;
}

void StreamAnalysis::stop() {
  Impl &d = *impl_;
  {
    std::lock_guard<std::mutex> g(d.lock);
    d.stopping = true;
    d.changed.notify_all();
  }
  d.join();
}

const std::string &StreamAnalysis::face_image_dir() const {
  return impl_->options.face_image_dir;
}

std::string StreamAnalysis::whole_clip_fingerprint() {
  return analyser_config(false).fingerprint();
}

uint64_t StreamAnalysis::samples_dropped() const {
  std::lock_guard<std::mutex> g(impl_->lock);
  return impl_->dropped;
}

uint64_t StreamAnalysis::samples_analysed() const {
  std::lock_guard<std::mutex> g(impl_->lock);
  return impl_->analysed;
}

}  // namespace idf::local

#endif  // IDF_HAVE_LOCAL_ENGINE
