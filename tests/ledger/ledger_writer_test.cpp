#include "ledger/ledger_writer.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "ledger/previous_run.hpp"
#include "ledger_test_support.hpp"

namespace cmdlink::ledger {
namespace {

using LedgerWriterTest = LedgerFileTest;
using core::SessionOutcome;
using core::Verdict;

std::unique_ptr<LedgerWriter> open_writer(const std::string& path) {
    auto writer = LedgerWriter::open(path);
    EXPECT_TRUE(writer.ok()) << writer.error();
    return writer ? std::move(writer.value()) : nullptr;
}

void record_passed_session(LedgerWriter& writer, const std::string& user,
                           const std::string& session) {
    writer.record(issued(user, session, 1000));
    writer.record(row::SessionIdSent{session, 1001});
    writer.record(row::CommandSent{session, "CMD1", 1, 0, 2000});
    writer.record(row::CommandSent{session, "CMD2", 2, 1, 2001});
    writer.record(row::ReplyChecked{session, "CMD1", "Apple", 1, Verdict::kCorrect, 500, 2500});
    writer.record(row::ReplyChecked{session, "CMD2", "Cat", 0, Verdict::kLowQos, 700, 2701});
    writer.record(row::SessionEnded{session, SessionOutcome::kPassed, "", 2, 2, 1, 0, 0, 2702});
}

TEST_F(LedgerWriterTest, EverySessionRowLandsInTheLedger) {
    const std::string path = file("ledger.db");
    auto writer = open_writer(path);
    ASSERT_NE(writer, nullptr);
    record_passed_session(*writer, "42", "s-1");
    writer->record(row::ReplyChecked{"nobody", "CMD1", "Apple", 1, Verdict::kUnknownSession,
                                     std::nullopt, 3000});
    writer->record(row::LoginRefused{"a/b", "contains '/'", 3001, 1});
    ASSERT_TRUE(writer->close().ok());

    auto db = open_ledger_for_reading(path);
    ASSERT_TRUE(db.ok()) << db.error();
    auto sessions = load_sessions(db.value(), {});
    ASSERT_TRUE(sessions.ok());
    ASSERT_EQ(sessions.value().size(), 1U);
    const SessionRecord& session = sessions.value()[0];
    EXPECT_EQ(session.user_id, "42");
    EXPECT_EQ(session.login, 1000);
    EXPECT_EQ(session.id_sent, 1001);
    EXPECT_EQ(session.first_command, 2000);
    EXPECT_EQ(session.ended, 2702);
    EXPECT_EQ(session.outcome, "passed");
    EXPECT_EQ(session.commands_sent, 2);

    auto replies = load_replies(db.value(), {});
    ASSERT_TRUE(replies.ok());
    ASSERT_EQ(replies.value().size(), 3U);
    EXPECT_EQ(replies.value()[1].verdict, "low_qos");
    EXPECT_EQ(replies.value()[1].latency_us, 700);
    EXPECT_EQ(replies.value()[2].verdict, "unknown_session");
    EXPECT_EQ(replies.value()[2].user_id, "");
    EXPECT_FALSE(replies.value()[2].latency_us.has_value());

    auto open = load_open_sessions(db.value());
    ASSERT_TRUE(open.ok());
    EXPECT_TRUE(open.value().empty());
}

TEST_F(LedgerWriterTest, RowsRecordedTogetherShareATransaction) {
    auto writer = open_writer(file("ledger.db"));
    ASSERT_NE(writer, nullptr);
    constexpr int kSessions = 2000;
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < kSessions; ++i) {
        record_passed_session(*writer, std::to_string(i), "s-" + std::to_string(i));
    }
    ASSERT_TRUE(writer->close().ok());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const WriterStats stats = writer->stats();
    EXPECT_EQ(stats.rows, kSessions * 7U);
    EXPECT_LT(stats.batches, stats.rows);
    EXPECT_EQ(writer->committed(), kSessions * 7U);
    std::cout << stats.rows << " rows in " << stats.batches << " transactions, "
              << static_cast<std::uint64_t>(static_cast<double>(stats.rows) / seconds)
              << " rows/s\n";
}

TEST_F(LedgerWriterTest, ACommitMakesTheSignalReadable) {
    auto writer = open_writer(file("ledger.db"));
    ASSERT_NE(writer, nullptr);
    const std::uint64_t sequence = writer->record(issued("7", "s-7"));
    pollfd watched{writer->signal_fd(), POLLIN, 0};
    while (writer->committed() < sequence) {
        ASSERT_EQ(::poll(&watched, 1, 30000), 1) << "no commit signalled within 30 s";
        writer->read_signal();
    }
    EXPECT_EQ(writer->committed(), sequence);
    EXPECT_FALSE(writer->failure().has_value());
}

TEST_F(LedgerWriterTest, AFailedWriteIsReportedAndStopsTheWriter) {
    const std::string path = file("ledger.db");
    auto writer = open_writer(path);
    ASSERT_NE(writer, nullptr);
    {
        auto other = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadWriteCreate);
        ASSERT_TRUE(other.ok());
        ASSERT_TRUE(other.value().execute("PRAGMA busy_timeout = 5000; DROP TABLE replies").ok());
    }
    writer->record(row::ReplyChecked{"s", "CMD1", "Apple", 1, Verdict::kCorrect, 1, 2});
    pollfd watched{writer->signal_fd(), POLLIN, 0};
    while (!writer->failure()) {
        ASSERT_EQ(::poll(&watched, 1, 30000), 1) << "no failure signalled within 30 s";
        writer->read_signal();
    }
    EXPECT_NE(writer->failure()->find("replies"), std::string::npos) << *writer->failure();
    EXPECT_EQ(writer->committed(), 0U);
    auto closed = writer->close();
    ASSERT_FALSE(closed.ok());
    EXPECT_NE(closed.error().find(path), std::string::npos) << closed.error();
}

TEST_F(LedgerWriterTest, AnEndOnlyFillsAnOpenSession) {
    const std::string path = file("ledger.db");
    auto writer = open_writer(path);
    ASSERT_NE(writer, nullptr);
    writer->record(issued("1", "open"));
    writer->record(issued("2", "ended"));
    writer->record(row::SessionEnded{"ended", SessionOutcome::kTimedOut, "late", 3, 0, 0, 0, 0, 9});
    writer->record(row::SessionEnded{"ended", SessionOutcome::kPassed, "", 3, 3, 0, 0, 0, 10});
    ASSERT_TRUE(writer->close().ok());
    auto db = open_ledger_for_reading(path);
    ASSERT_TRUE(db.ok());
    auto open = load_open_sessions(db.value());
    ASSERT_TRUE(open.ok());
    ASSERT_EQ(open.value().size(), 1U);
    EXPECT_EQ(open.value()[0].session_id, "open");
    auto sessions = load_sessions(db.value(), {std::string("2"), std::nullopt});
    ASSERT_TRUE(sessions.ok());
    ASSERT_EQ(sessions.value().size(), 1U);
    EXPECT_EQ(sessions.value()[0].outcome, "timed_out");
    EXPECT_EQ(sessions.value()[0].reason, "late");
}

TEST_F(LedgerWriterTest, EveryIssuedSessionIdIsReadBackWhateverItsState) {
    const std::string path = file("ledger.db");
    auto writer = open_writer(path);
    ASSERT_NE(writer, nullptr);
    record_passed_session(*writer, "1", "passed");
    writer->record(issued("1", "open"));
    writer->record(row::LoginRefused{"9", "not in the roster", 3001, 1});
    ASSERT_TRUE(writer->close().ok());
    auto ids = load_issued_session_ids(path);
    ASSERT_TRUE(ids.ok()) << ids.error();
    std::sort(ids.value().begin(), ids.value().end());
    EXPECT_EQ(ids.value(), (std::vector<std::string>{"open", "passed"}));
}

TEST_F(LedgerWriterTest, FiltersSelectByUserAndLoginTime) {
    const std::string path = file("ledger.db");
    auto writer = open_writer(path);
    ASSERT_NE(writer, nullptr);
    writer->record(issued("1", "early", 100));
    writer->record(issued("1", "late", 900));
    writer->record(issued("2", "other", 900));
    ASSERT_TRUE(writer->close().ok());
    auto db = open_ledger_for_reading(path);
    ASSERT_TRUE(db.ok());
    auto since = load_sessions(db.value(), {std::nullopt, 500});
    ASSERT_TRUE(since.ok());
    EXPECT_EQ(since.value().size(), 2U);
    auto both = load_sessions(db.value(), {std::string("1"), 500});
    ASSERT_TRUE(both.ok());
    ASSERT_EQ(both.value().size(), 1U);
    EXPECT_EQ(both.value()[0].session_id, "late");
}

}  // namespace
}  // namespace cmdlink::ledger

namespace cmdlink::ledger {
namespace {

TEST_F(LedgerWriterTest, OnlyAPassedSessionWhoseEndWasNeverAcknowledgedIsUndelivered) {
    const std::string path = file("ends.db");
    auto writer = open_writer(path);
    ASSERT_NE(writer, nullptr);
    record_passed_session(*writer, "42", "delivered");
    writer->record(row::EndDelivered{"delivered", 2800});
    record_passed_session(*writer, "43", "undelivered");
    writer->record(issued("44", "failed", 1000));
    writer->record(
        row::SessionEnded{"failed", core::SessionOutcome::kFailed, "wrong", 1, 0, 0, 1, 0, 2000});
    ASSERT_TRUE(writer->close().ok());

    auto db = open_ledger_for_reading(path);
    ASSERT_TRUE(db.ok()) << db.error();
    auto ended = load_ended_since(db.value(), 0);
    ASSERT_TRUE(ended.ok()) << ended.error();
    std::map<std::string, bool> undelivered;
    for (const EndedRecord& record : ended.value()) {
        undelivered[record.session_id] = record.end_undelivered;
    }
    EXPECT_EQ(undelivered, (std::map<std::string, bool>{
                               {"delivered", false}, {"undelivered", true}, {"failed", false}}));
}

}  // namespace
}  // namespace cmdlink::ledger
