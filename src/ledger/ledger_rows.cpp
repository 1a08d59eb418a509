#include "ledger/ledger_rows.hpp"

#include <chrono>

namespace cmdlink::ledger {

WallMicros wall_micros_now() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::optional<LedgerRow> to_row(const core::ServerEvent& event, WallMicros at) {
    namespace ev = core::server_event;
    if (const auto* issued = std::get_if<ev::SessionIssued>(&event)) {
        if (issued->repeated) return std::nullopt;
        return row::SessionIssued{std::string(issued->user_id), std::string(issued->session_id),
                                  at};
    }
    if (const auto* announced = std::get_if<ev::SessionAnnounced>(&event)) {
        return row::SessionIdSent{std::string(announced->session_id), at};
    }
    if (const auto* sent = std::get_if<ev::CommandSent>(&event)) {
        if (sent->resent) return std::nullopt;
        return row::CommandSent{std::string(sent->session_id), std::string(sent->command),
                                sent->qos, sent->index, at};
    }
    if (const auto* reply = std::get_if<ev::ReplyChecked>(&event)) {
        const bool answers =
            reply->verdict == core::Verdict::kCorrect || reply->verdict == core::Verdict::kLowQos;
        std::optional<std::int64_t> latency;
        if (answers) {
            latency = std::chrono::duration_cast<std::chrono::microseconds>(reply->latency).count();
        }
        return row::ReplyChecked{std::string(reply->session_id),
                                 std::string(reply->command),
                                 std::string(reply->word),
                                 reply->qos,
                                 reply->verdict,
                                 latency,
                                 at};
    }
    if (const auto* ended = std::get_if<ev::SessionEnded>(&event)) {
        const core::SessionSummary& s = ended->summary;
        return row::SessionEnded{std::string(s.session_id),
                                 s.outcome,
                                 s.reason,
                                 s.commands,
                                 s.correct,
                                 s.low_qos,
                                 s.wrong,
                                 s.surplus,
                                 at};
    }
    if (const auto* refused = std::get_if<ev::LoginRefused>(&event)) {
        return row::LoginRefused{std::string(refused->user_id), refused->reason, at,
                                 refused->count};
    }
    return std::nullopt;
}

}  // namespace cmdlink::ledger
