#include "net/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loop_guard.hpp"

namespace cmdlink::net {
namespace {

using namespace std::chrono_literals;

// An eventfd that is readable from the start, and a watcher that runs a callback for it.
class ReadyDescriptor final : public FdWatcher {
  public:
    explicit ReadyDescriptor(std::function<void()> on_ready = [] {})
        : fd_(::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC)), on_ready_(std::move(on_ready)) {}
    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] int calls() const { return calls_; }
    void close() { fd_.reset(); }
    void on_fd_ready(bool /*readable*/, bool /*writable*/, bool /*failed*/) override {
        ++calls_;
        on_ready_();
    }

  private:
    UniqueFd fd_;
    std::function<void()> on_ready_;
    int calls_ = 0;
};

class Destructible {
  public:
    explicit Destructible(std::vector<std::string>& log) : log_(log) {}
    ~Destructible() { log_.emplace_back("destroyed"); }
    Destructible(const Destructible&) = delete;
    Destructible& operator=(const Destructible&) = delete;

  private:
    std::vector<std::string>& log_;
};

TEST(EventLoop, PostedCallbacksRunAfterTheCurrentCallbackInTheOrderPosted) {
    auto loop = make_loop();
    std::vector<std::string> log;
    Timer timer(*loop, [&] {
        loop->post([&] { log.emplace_back("first"); });
        loop->post([&] { log.emplace_back("second"); });
        log.emplace_back("timer");
    });
    Timer stopper(*loop, [&] { loop->stop(); });
    timer.arm(loop->now());
    stopper.arm(loop->now());
    run_bounded(*loop);
    EXPECT_EQ(log, (std::vector<std::string>{"timer", "first", "second"}));
}

TEST(EventLoop, APostedCallbackRunsBeforeTheNextCallbackOfTheSameTurn) {
    auto loop = make_loop();
    std::vector<std::string> log;
    Timer first(*loop, [&] { loop->post([&] { log.emplace_back("posted"); }); });
    Timer second(*loop, [&] {
        log.emplace_back("second timer");
        loop->stop();
    });
    first.arm(loop->now());
    second.arm(loop->now());
    run_bounded(*loop);
    EXPECT_EQ(log, (std::vector<std::string>{"posted", "second timer"}));
}

TEST(EventLoop, CallbacksPostedBeforeRunRunBeforeTheLoopFirstWaits) {
    auto loop = make_loop();
    std::uint64_t ran_in_turn = 99;
    loop->post([&] {
        ran_in_turn = loop->turns();
        loop->stop();
    });
    run_bounded(*loop);
    EXPECT_EQ(ran_in_turn, 0U);
}

TEST(EventLoop, ACallbackThatKeepsPostingItselfDoesNotStarveTimers) {
    auto loop = make_loop();
    int reposts = 0;
    std::function<void()> again = [&] {
        ++reposts;
        loop->post(again);
    };
    Timer stopper(*loop, [&] { loop->stop(); });
    loop->post(again);
    stopper.arm(loop->now() + 20ms);
    run_bounded(*loop);
    EXPECT_GT(reposts, 1);
}

TEST(EventLoop, DeferredDeletionHappensAfterTheCurrentCallbackReturns) {
    auto loop = make_loop();
    std::vector<std::string> log;
    Timer timer(*loop, [&] {
        loop->defer_delete(std::make_unique<Destructible>(log));
        log.emplace_back("callback returns");
    });
    Timer stopper(*loop, [&] {
        log.emplace_back("next callback");
        loop->stop();
    });
    timer.arm(loop->now());
    stopper.arm(loop->now());
    run_bounded(*loop);
    EXPECT_EQ(log, (std::vector<std::string>{"callback returns", "destroyed", "next callback"}));
}

TEST(EventLoop, DeferredDeletionWaitsForWhatTheCallbackPosted) {
    auto loop = make_loop();
    std::vector<std::string> log;
    Timer timer(*loop, [&] {
        loop->defer_delete(std::make_unique<Destructible>(log));
        loop->post([&] { log.emplace_back("posted"); });
        loop->stop();
    });
    timer.arm(loop->now());
    run_bounded(*loop);
    EXPECT_EQ(log, (std::vector<std::string>{"posted", "destroyed"}));
}

TEST(EventLoop, ObjectsLeftForDeferredDeletionAreDestroyedWithTheLoop) {
    std::vector<std::string> log;
    {
        auto loop = make_loop();
        loop->defer_delete(std::make_unique<Destructible>(log));
    }
    EXPECT_EQ(log, (std::vector<std::string>{"destroyed"}));
}

TEST(EventLoop, AWatcherUnwatchedEarlierInTheSameBatchIsNotCalled) {
    auto loop = make_loop();
    std::unique_ptr<ReadyDescriptor> first;
    std::unique_ptr<ReadyDescriptor> second;
    // Whichever runs first removes (and destroys) the other: both are in one epoll batch.
    first = std::make_unique<ReadyDescriptor>([&] {
        loop->unwatch(second->fd());
        second.reset();
        loop->stop();
    });
    second = std::make_unique<ReadyDescriptor>([&] {
        loop->unwatch(first->fd());
        first.reset();
        loop->stop();
    });
    ASSERT_TRUE(loop->watch(first->fd(), false, *first));
    ASSERT_TRUE(loop->watch(second->fd(), false, *second));
    run_bounded(*loop);
    EXPECT_TRUE((first == nullptr) != (second == nullptr));
    EXPECT_EQ((first ? first->calls() : 0) + (second ? second->calls() : 0), 1);
}

TEST(EventLoop, ANewWatcherOnAReusedDescriptorDoesNotGetTheOldOnesEvent) {
    auto loop = make_loop();
    ReadyDescriptor* victim = nullptr;
    std::unique_ptr<ReadyDescriptor> first;
    std::unique_ptr<ReadyDescriptor> second;
    int reused_fd = -1;
    int victim_fd = -1;
    int newcomer_calls = 0;
    class CountingWatcher final : public FdWatcher {
      public:
        explicit CountingWatcher(int& calls) : calls_(calls) {}
        void on_fd_ready(bool, bool, bool) override { ++calls_; }

      private:
        int& calls_;
    } newcomer(newcomer_calls);
    UniqueFd newcomer_fd;
    // The first to run closes the other's descriptor and watches a fresh, ready one that
    // gets the same number; the stale event from the batch must not reach the newcomer.
    auto replace_other = [&](std::unique_ptr<ReadyDescriptor>& other) {
        if (victim != nullptr) return;
        victim = other.get();
        victim_fd = other->fd();
        loop->unwatch(victim_fd);
        other->close();
        newcomer_fd = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
        reused_fd = newcomer_fd.get();
        ASSERT_TRUE(loop->watch(reused_fd, false, newcomer));
        loop->stop();
    };
    first = std::make_unique<ReadyDescriptor>([&] { replace_other(second); });
    second = std::make_unique<ReadyDescriptor>([&] { replace_other(first); });
    ASSERT_TRUE(loop->watch(first->fd(), false, *first));
    ASSERT_TRUE(loop->watch(second->fd(), false, *second));
    run_bounded(*loop);
    ASSERT_NE(victim, nullptr);
    ASSERT_EQ(reused_fd, victim_fd)
        << "the kernel did not reuse the number; the test proves nothing";
    EXPECT_EQ(victim->calls(), 0);
    EXPECT_EQ(newcomer_calls, 0);
    loop->unwatch(reused_fd);
}

TEST(EventLoop, WriteInterestCanBeTurnedOnAndOff) {
    auto loop = make_loop();
    int writable_calls = 0;
    class WritableWatcher final : public FdWatcher {
      public:
        WritableWatcher(EventLoop& loop, int& calls, int fd)
            : loop_(loop), calls_(calls), fd_(fd) {}
        void on_fd_ready(bool, bool writable, bool) override {
            if (!writable) return;
            ++calls_;
            auto changed = loop_.set_write_interest(fd_, false);
            EXPECT_TRUE(changed) << changed.error();
        }

      private:
        EventLoop& loop_;
        int& calls_;
        int fd_;
    };
    UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    WritableWatcher watcher(*loop, writable_calls, fd.get());
    ASSERT_TRUE(loop->watch(fd.get(), true, watcher));
    // An eventfd is always writable: with the interest dropped after the first event, a
    // few more turns must bring no second call.
    Timer stopper(*loop, [&] { loop->stop(); });
    stopper.arm(loop->now() + 30ms);
    run_bounded(*loop);
    EXPECT_EQ(writable_calls, 1);
    loop->unwatch(fd.get());
}

TEST(EventLoop, ChangingTheWriteInterestOfAnUnwatchedDescriptorIsAnError) {
    auto loop = make_loop();
    auto changed = loop->set_write_interest(12345, true);
    ASSERT_FALSE(changed);
    EXPECT_NE(changed.error().find("not watched"), std::string::npos);
}

TEST(EventLoop, WatchingAnInvalidDescriptorIsAnError) {
    auto loop = make_loop();
    ReadyDescriptor watcher;
    EXPECT_FALSE(loop->watch(-1, false, watcher));
}

TEST(EventLoop, ABeforeSleepTaskScheduledManyTimesInATurnRunsOnce) {
    auto loop = make_loop();
    int runs = 0;
    BeforeSleepTask task(*loop, [&] {
        ++runs;
        loop->stop();
    });
    Timer timer(*loop, [&] {
        task.schedule();
        task.schedule();
        task.schedule();
    });
    timer.arm(loop->now());
    run_bounded(*loop);
    EXPECT_EQ(runs, 1);
}

TEST(EventLoop, ABeforeSleepTaskRunsInTheTurnItWasScheduledIn) {
    auto loop = make_loop();
    std::uint64_t scheduled_in = 0;
    std::uint64_t ran_in = 0;
    BeforeSleepTask task(*loop, [&] {
        ran_in = loop->turns();
        loop->stop();
    });
    ReadyDescriptor ready([&] {
        scheduled_in = loop->turns();
        task.schedule();
    });
    ASSERT_TRUE(loop->watch(ready.fd(), false, ready));
    run_bounded(*loop);
    EXPECT_GT(scheduled_in, 0U);
    EXPECT_EQ(ran_in, scheduled_in);
    loop->unwatch(ready.fd());
}

TEST(EventLoop, ABeforeSleepTaskRescheduledByItselfRunsAgainNextTurn) {
    auto loop = make_loop();
    std::vector<std::uint64_t> turns;
    std::unique_ptr<BeforeSleepTask> task;
    task = std::make_unique<BeforeSleepTask>(*loop, [&] {
        turns.push_back(loop->turns());
        if (turns.size() < 3) {
            task->schedule();
        } else {
            loop->stop();
        }
    });
    task->schedule();
    run_bounded(*loop);
    EXPECT_EQ(turns, (std::vector<std::uint64_t>{0, 1, 2}));
}

TEST(EventLoop, ABeforeSleepTaskDestroyedBeforeItsTurnNeverRuns) {
    auto loop = make_loop();
    int runs = 0;
    auto doomed = std::make_unique<BeforeSleepTask>(*loop, [&] { ++runs; });
    // Scheduled first, it runs first in the round and destroys `doomed`, still waiting.
    BeforeSleepTask killer(*loop, [&] { doomed.reset(); });
    Timer timer(*loop, [&] {
        killer.schedule();
        doomed->schedule();
    });
    Timer stopper(*loop, [&] { loop->stop(); });
    timer.arm(loop->now());
    stopper.arm(loop->now() + 20ms);
    run_bounded(*loop);
    EXPECT_EQ(runs, 0);
}

TEST(EventLoop, BeforeSleepTasksPendingAtStopRunBeforeRunReturns) {
    auto loop = make_loop();
    bool flushed = false;
    BeforeSleepTask task(*loop, [&] { flushed = true; });
    Timer timer(*loop, [&] {
        task.schedule();
        loop->stop();
    });
    timer.arm(loop->now());
    run_bounded(*loop);
    EXPECT_TRUE(flushed);
}

TEST(EventLoop, SignalsArriveAsEventsOnTheLoop) {
    auto loop = make_loop();
    int received = 0;
    ASSERT_TRUE(loop->on_signals({SIGUSR1}, [&](int signal) {
        received = signal;
        loop->stop();
    }));
    ASSERT_EQ(::raise(SIGUSR1), 0);
    run_bounded(*loop);
    EXPECT_EQ(received, SIGUSR1);
}

// SIGHUP's default action ends the process silently (exit 129); taken by the loop, it is an
// event like the others, and the loop goes on.
TEST(EventLoop, AHangupIsAnEventAndTheLoopGoesOn) {
    auto loop = make_loop();
    std::vector<std::string> received;
    ASSERT_TRUE(loop->on_signals({SIGINT, SIGTERM, SIGHUP}, [&](int signal) {
        received.push_back(signal_name(signal));
        if (signal == SIGTERM) loop->stop();
    }));
    ASSERT_EQ(::raise(SIGHUP), 0);
    bool raised_term = false;
    Timer later(*loop, [&] {
        raised_term = true;
        ::raise(SIGTERM);
    });
    later.arm(loop->now() + std::chrono::milliseconds(10));
    run_bounded(*loop);
    EXPECT_TRUE(raised_term);
    EXPECT_EQ(received, (std::vector<std::string>{"SIGHUP", "SIGTERM"}));
    EXPECT_EQ(signal_name(SIGINT), "SIGINT");
}

}  // namespace
}  // namespace cmdlink::net
