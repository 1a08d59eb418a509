#include "ledger/ledger_writer.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include "ledger/ledger_schema.hpp"

namespace cmdlink::ledger {

core::Result<std::unique_ptr<LedgerWriter>> LedgerWriter::open(const std::string& path) {
    auto db = open_ledger_for_writing(path);
    if (!db) return db.failure();
    os::UniqueFd signal(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!signal.valid()) return core::system_error(std::string("eventfd: ") + std::strerror(errno));
    std::unique_ptr<LedgerWriter> writer(
        new LedgerWriter(std::move(db.value()), std::move(signal)));
    // Prepared only once the connection has its final address: the statements point at it.
    auto statements = RowStatements::prepare(writer->db_);
    if (!statements) return core::Error{"ledger " + path + ": " + statements.error()};
    writer->statements_.emplace(std::move(statements.value()));
    // The thread starts with every signal blocked: SIGINT/SIGTERM belong to the event loop's
    // signalfd, and a thread that did not block them would take them and die of them.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    writer->thread_ = std::thread([raw = writer.get()] { raw->run(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return writer;
}

LedgerWriter::LedgerWriter(SqliteDatabase db, os::UniqueFd signal)
    : db_(std::move(db)), signal_(std::move(signal)) {}

LedgerWriter::~LedgerWriter() {
    static_cast<void>(close());
}

std::uint64_t LedgerWriter::record(LedgerRow row) {
    std::uint64_t sequence = 0;
    {
        const std::lock_guard lock(mutex_);
        sequence = ++recorded_;
        if (failure_) return sequence;
        pending_.push_back(std::move(row));
    }
    wake_.notify_one();
    return sequence;
}

std::uint64_t LedgerWriter::backlog() const {
    const std::lock_guard lock(mutex_);
    return recorded_ - committed_.load();
}

void LedgerWriter::read_signal() const {
    std::uint64_t count = 0;
    while (::read(signal_.get(), &count, sizeof count) == static_cast<ssize_t>(sizeof count)) {
    }
}

std::optional<std::string> LedgerWriter::failure() const {
    const std::lock_guard lock(mutex_);
    return failure_;
}

WriterStats LedgerWriter::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

core::Result<bool> LedgerWriter::close() {
    {
        const std::lock_guard lock(mutex_);
        closing_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (auto why = failure()) return core::Error{*why};
    return true;
}

void LedgerWriter::run() {
    std::vector<LedgerRow> batch;
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return !pending_.empty() || closing_; });
        if (pending_.empty()) break;
        batch.swap(pending_);
        const std::uint64_t last = recorded_;
        lock.unlock();
        auto committed = commit(batch);
        lock.lock();
        if (!committed) {
            failure_ = "cannot write the ledger " + db_.path() + ": " + committed.error();
            pending_.clear();
            lock.unlock();
            notify();
            return;
        }
        stats_.rows += batch.size();
        ++stats_.batches;
        batch.clear();
        committed_.store(last);
        notify();
    }
}

core::Result<bool> LedgerWriter::commit(const std::vector<LedgerRow>& batch) {
    if (auto begun = db_.execute("BEGIN IMMEDIATE"); !begun) return begun;
    for (const LedgerRow& row : batch) {
        if (auto written = statements_->write(row); !written) {
            static_cast<void>(db_.execute("ROLLBACK"));
            return written;
        }
    }
    return db_.execute("COMMIT");
}

void LedgerWriter::notify() const {
    const std::uint64_t one = 1;
    // A full counter (never in practice) already means "readable", which is all we signal.
    static_cast<void>(::write(signal_.get(), &one, sizeof one));
}

}  // namespace cmdlink::ledger
