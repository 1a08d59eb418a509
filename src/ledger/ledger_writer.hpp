#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "ledger/ledger_rows.hpp"
#include "ledger/row_statements.hpp"
#include "ledger/sqlite_database.hpp"
#include "os/unique_fd.hpp"

namespace cmdlink::ledger {

struct WriterStats {
    std::uint64_t rows = 0;
    std::uint64_t batches = 0;
};

// Owns the ledger connection and a thread that writes to it. The event loop only hands rows
// over (a lock and a push, never a wait on the disk); the thread takes everything pending and
// commits it as one transaction, so the cost of a commit is shared by every row in the batch.
class LedgerWriter {
  public:
    static core::Result<std::unique_ptr<LedgerWriter>> open(const std::string& path);
    ~LedgerWriter();
    LedgerWriter(const LedgerWriter&) = delete;
    LedgerWriter& operator=(const LedgerWriter&) = delete;

    // Queues `row`; returns its sequence number (1, 2, ...). Rows are committed in order.
    std::uint64_t record(LedgerRow row);
    // Rows recorded and not yet committed. Nothing recorded is ever dropped: the server keeps
    // this bounded by refusing new sessions while it is high (Server).
    [[nodiscard]] std::uint64_t backlog() const;
    // Every row recorded up to this sequence number is committed.
    [[nodiscard]] std::uint64_t committed() const { return committed_.load(); }
    // An eventfd that becomes readable after each commit and on failure; read_signal() drains it.
    [[nodiscard]] int signal_fd() const { return signal_.get(); }
    void read_signal() const;
    // Why writing stopped, once it has; rows recorded after that are dropped.
    [[nodiscard]] std::optional<std::string> failure() const;
    // Commits everything recorded so far and joins the thread; the failure, if any.
    core::Result<bool> close();
    [[nodiscard]] WriterStats stats() const;

  private:
    LedgerWriter(SqliteDatabase db, os::UniqueFd signal);

    void run();
    core::Result<bool> commit(const std::vector<LedgerRow>& batch);
    void notify() const;

    SqliteDatabase db_;
    std::optional<RowStatements> statements_;
    os::UniqueFd signal_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<LedgerRow> pending_;
    std::uint64_t recorded_ = 0;
    bool closing_ = false;
    std::optional<std::string> failure_;
    WriterStats stats_;
    std::atomic<std::uint64_t> committed_{0};
    std::thread thread_;
};

}  // namespace cmdlink::ledger
