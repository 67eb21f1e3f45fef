#pragma once
// LatestJob<T>: "latest request wins" for work recomputed off the GUI thread (previews, model
// summaries, exports), as Hotspot's JobTracker does. start() runs a job on the global thread pool
// and hands its result to `done` on the thread that owns the tracker (the GUI thread), unless a
// newer start() or a cancel() came since: then the result is dropped and the job's cancel flag is
// set, so a job that polls it can stop early. Destroying the tracker cancels as well. A job that
// throws reaches `failed` with userMessage()'s sentence (engine/util/error.h), never a crash.
//
// Requires: one thread uses the tracker and runs an event loop; `context` lives on that thread
// and outlives the tracker (the widget that holds it as a member). The job holds values only (it
// may outlive the widget), is copyable and callable as T() or T(const std::atomic<bool>&
// cancelled); T is copyable, or void. done takes a T (nothing for void), failed a QString.
// Throws: nothing of its own; what done or failed throw reaches the event loop, as from any slot.
//
// OneAtATime is for work that cannot be cancelled (a model summary): a request made while a job
// runs waits for it to end, and then only the newest waiting request starts; older ones never run.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "engine/util/error.h"

namespace lb {

template <typename T>
class LatestJob {
 public:
  enum class Mode { Concurrent, OneAtATime };

  explicit LatestJob(QObject* context, Mode mode = Mode::Concurrent)
      : m_context(context), m_mode(mode) {}
  LatestJob(const LatestJob&) = delete;
  LatestJob& operator=(const LatestJob&) = delete;
  ~LatestJob() {
    cancel();
    dropWatcher();
  }

  // Starts a request; any older one's result will be dropped.
  template <typename Job, typename Done, typename Failed>
  void start(Job job, Done done, Failed failed) {
    const quint64 id = ++m_latest;
    m_pending = true;
    m_queued = nullptr;
    auto launch = [this, id, job = std::move(job), done = std::move(done),
                   failed = std::move(failed)] { run(id, job, done, failed); };
    if (m_watcher) {
      m_cancel->store(true);
      if (m_mode == Mode::OneAtATime) {
        m_queued = std::move(launch);  // started when the running job ends
        return;
      }
      dropWatcher();
    }
    launch();
  }

  // Drops the latest request: its result is never delivered (the window cleared the page).
  void cancel() {
    ++m_latest;
    m_pending = false;
    m_queued = nullptr;
    if (!m_watcher) return;
    m_cancel->store(true);
    // One at a time must still learn when the job ends, to start the next one.
    if (m_mode == Mode::Concurrent) dropWatcher();
  }

  // The latest request is waiting or running: its result is still to come.
  bool isPending() const { return m_pending; }

 private:
  using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  struct Outcome {
    std::optional<Value> value;  // empty when the job threw
    std::string error;
  };

  template <typename Job>
  static Outcome runJob(const Job& job, const std::atomic<bool>& cancelled) {
    Outcome out;
    try {
      if constexpr (std::is_invocable_v<const Job&, const std::atomic<bool>&>) {
        if constexpr (std::is_void_v<T>) {
          job(cancelled);
          out.value.emplace();
        } else {
          out.value.emplace(job(cancelled));
        }
      } else if constexpr (std::is_void_v<T>) {
        job();
        out.value.emplace();
      } else {
        out.value.emplace(job());
      }
    } catch (...) {
      out.error = userMessage(std::current_exception());
    }
    return out;
  }

  template <typename Job, typename Done, typename Failed>
  void run(quint64 id, const Job& job, const Done& done, const Failed& failed) {
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    auto* watcher = new QFutureWatcher<Outcome>(m_context);
    m_watcher = watcher;
    m_cancel = cancel;
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher,
                     [this, watcher, id, done, failed] {
                       // Detached first: done may start() again or destroy the tracker.
                       m_watcher = nullptr;
                       m_cancel.reset();
                       watcher->deleteLater();
                       if (id != m_latest) {
                         if (m_queued) std::exchange(m_queued, nullptr)();
                         return;
                       }
                       m_pending = false;
                       Outcome out = watcher->result();
                       if (!out.value) {
                         failed(QString::fromStdString(out.error));
                       } else if constexpr (std::is_void_v<T>) {
                         done();
                       } else {
                         done(std::move(*out.value));
                       }
                     });
    watcher->setFuture(
        QtConcurrent::run([job, cancel]() -> Outcome { return runJob(job, *cancel); }));
  }

  // Stops listening to the running job; it finishes on the pool on its own.
  void dropWatcher() {
    if (!m_watcher) return;
    QObject::disconnect(m_watcher, nullptr, nullptr, nullptr);
    delete m_watcher;  // never the one delivering: that one was detached before its callbacks
    m_watcher = nullptr;
    m_cancel.reset();
  }

  QObject* m_context;
  Mode m_mode;
  quint64 m_latest = 0;    // the id of the newest request
  bool m_pending = false;  // the newest request is neither delivered nor cancelled
  QFutureWatcher<Outcome>* m_watcher = nullptr;  // the job on the pool we listen to
  std::shared_ptr<std::atomic<bool>> m_cancel;   // its flag
  std::function<void()> m_queued;                // one at a time: the newest waiting request
};

}  // namespace lb
