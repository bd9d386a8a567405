// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local: the local engine analyses the clip on its own thread; its
// progress and result come back to the job's loop.
#include <mutex>

#include "job/provider_flow.h"
#include "local/face_image_folders.h"

namespace idf {

namespace {

class LocalFlow final : public ProviderFlow {
 public:
  ~LocalFlow() override { cancel(); }

  void run(FlowHost &host) override {
    host.begin_work(false);
    host.progress({IDENTIFYFACE_PHASE_ANALYSING, "analysing the clip locally"});
    // The crops folder does not grow without bound: the element's own
    // session folders older than 7 days go when a new analysis starts.
    const std::string &dir = host.config().face_image_dir;
    prune_session_folders(dir.empty() ? LocalEngine::default_face_image_dir() : dir, host.wall_s());
    LocalEngineOptions opts;
    opts.uri = host.config().target.video_url;
    opts.face_image_dir = host.config().face_image_dir;
    opts.duration_ns = host.config().clip.duration_ns;
    auto to_loop = host.guarded_poster();
    FlowHost *h = &host;  // only used by functions the guarded poster runs
    auto on_progress = [to_loop, h](double fraction) {
      to_loop([h, fraction] {
        char text[64];
        g_snprintf(text, sizeof text, "analysed %.0f%% of the clip", fraction * 100.0);
        Progress p{IDENTIFYFACE_PHASE_ANALYSING, text};
        p.fraction = fraction;
        h->progress(std::move(p));
      });
    };
    auto on_done = [to_loop, h](Outcome outcome) { to_loop([h, outcome] { h->finish(outcome); }); };
    auto engine = host.local_engine_factory()(opts, on_progress, on_done);
    std::lock_guard<std::mutex> g(lock_);
    engine_ = std::move(engine);
    if (cancelled_)  // cancel() may have looked before the engine existed
      engine_->cancel();
  }

  void cancel() override {
    std::shared_ptr<LocalEngine> engine;
    {
      std::lock_guard<std::mutex> g(lock_);
      cancelled_ = true;
      engine = engine_;
    }
    if (engine) engine->cancel();  // synchronous: no callback comes after it
  }

 private:
  std::mutex lock_;
  std::shared_ptr<LocalEngine> engine_;
  bool cancelled_ = false;
};

}  // namespace

std::unique_ptr<ProviderFlow> make_local_flow() {
  return std::make_unique<LocalFlow>();
}

}  // namespace idf
