#include "core/server_session.hpp"

#include <algorithm>
#include <utility>

#include "core/protocol.hpp"
#include "core/session_verdict.hpp"
#include "core/text_checks.hpp"

namespace cmdlink::core {

ServerSession::ServerSession(std::string user_id, std::string session_id, TimePoint now,
                             const ServerPolicy& policy, RandomSource& random)
    : user_id_(std::move(user_id)),
      session_id_(std::move(session_id)),
      cursor_(policy.table.size(), 0),
      feedback_(policy.feedback),
      deadline_(kNever),
      timeout_at_(now + policy.session_timeout) {
    const auto count = random.uniform(policy.min_commands, policy.max_commands);
    plan_.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
        const auto index = static_cast<std::uint16_t>(random.uniform(0, policy.table.size() - 1));
        const auto qos = policy.qos ? *policy.qos : static_cast<int>(random.uniform(0, kMaxQos));
        plan_.push_back({TimePoint{}, index, static_cast<std::uint8_t>(qos), false});
    }
    summary_.commands = static_cast<std::uint32_t>(plan_.size());
    summary_.login_at = now;
}

void ServerSession::announce(TimePoint now, const ServerPolicy& policy, ServerOutbox& out) {
    announced_ = true;
    deadline_ = now + policy.delay;
    timeout_at_ = now + policy.session_timeout;
    resend_id(now, out);
}

void ServerSession::resend_id(TimePoint now, ServerOutbox& out) {
    id_sent_at_ = now;
    ++id_sent_count_;
    out.publish(session_id_topic(user_id_), session_id_, kMaxQos);
}

Result<bool> ServerSession::restore(const RestoredSession& restored, TimePoint now,
                                    const ServerPolicy& policy, ServerOutbox& out) {
    restored_ = true;
    // Its ID went out before the restart (a row without it would not have been restored with
    // commands); without commands it goes out again, harmless if the device has it.
    if (restored.sent.empty()) {
        announce(now, policy, out);
        return true;
    }
    std::vector<PlannedCommand> plan;
    plan.reserve(restored.sent.size());
    for (const RestoredSession::Message& sent : restored.sent) {
        const auto index = policy.table.find(sent.command);
        if (!index) return Error{"its command " + printable(sent.command) + " is not in the table"};
        if (sent.qos < 0 || sent.qos > kMaxQos) {
            return Error{"its command " + sent.command + " has QoS " + std::to_string(sent.qos)};
        }
        plan.push_back({now - std::max(sent.age, Duration::zero()),
                        static_cast<std::uint16_t>(*index), static_cast<std::uint8_t>(sent.qos),
                        false});
    }
    const auto sent_count = static_cast<std::uint32_t>(plan.size());
    // Lockstep sends a command per answer, so the rest of the plan was never recorded: the
    // fresh draw supplies it, which keeps the count within the policy's range.
    if (policy.pacing == Pacing::kLockstep && plan_.size() > sent_count) {
        plan.insert(plan.end(), plan_.begin() + sent_count, plan_.end());
    }
    plan_ = std::move(plan);
    announced_ = true;
    sent_ = sent_count;
    summary_.commands = static_cast<std::uint32_t>(plan_.size());
    state_ = State::kRunning;
    summary_.first_command_at = now;
    deadline_ = timeout_at_ = now + policy.session_timeout;
    if (auto failure = judge_restored_replies(restored, policy)) {
        end(SessionOutcome::kFailed, std::move(*failure) + " (recorded before a server restart)",
            now, out);
        return true;
    }
    excused_surplus_ = answered_;
    for (std::uint32_t i = 0; i < sent_; ++i) {
        const PlannedCommand& command = plan_[i];
        if (command.answered) continue;
        const std::string& name = policy.table.at(command.table_index).command;
        out.publish(session_id_, name, command.qos);
        out.record(server_event::CommandSent{session_id_, name, command.qos, i, true});
        ++excused_surplus_;
    }
    if (answered_ == sent_ && sent_ < plan_.size()) {
        send_next(1, now, policy, out);
    } else if (answered_ == plan_.size()) {
        out.publish(session_id_, kWellDone, kMaxQos);
        end(SessionOutcome::kPassed, {}, now, out);
    }
    return true;
}

std::optional<std::string> ServerSession::judge_restored_replies(const RestoredSession& restored,
                                                                 const ServerPolicy& policy) {
    std::optional<std::string> failure;
    const auto fail = [&failure](std::string why) {
        if (!failure) failure = std::move(why);
    };
    for (const RestoredSession::Message& answer : restored.answers) {
        const auto index = policy.table.find(answer.command);
        PlannedCommand* instance = index ? best_unanswered(*index, answer.qos) : nullptr;
        if (instance == nullptr) {
            ++summary_.surplus;
            if (policy.strict)
                fail("surplus reply to " + printable(answer.command) + " (strict mode)");
            continue;
        }
        instance->answered = true;
        ++answered_;
        ++summary_.correct;
        if (answer.qos < instance->qos) {
            ++summary_.low_qos;
            if (policy.strict) {
                fail("reply to " + printable(answer.command) + " at QoS " +
                     std::to_string(answer.qos) + ", below the command's QoS " +
                     std::to_string(instance->qos) + " (strict mode)");
            }
        }
    }
    summary_.surplus += static_cast<std::uint32_t>(restored.surplus.size());
    if (policy.strict && !restored.surplus.empty()) {
        fail("surplus reply to " + printable(restored.surplus.front().command) + " (strict mode)");
    }
    summary_.wrong += static_cast<std::uint32_t>(restored.wrong.size());
    if (!restored.wrong.empty())
        fail("wrong reply to " + printable(restored.wrong.front().command));
    return failure;
}

void ServerSession::on_timer(TimePoint now, const ServerPolicy& policy, ServerOutbox& out) {
    if (state_ == State::kEnded || now < deadline_) return;
    if (state_ == State::kIssued) {
        state_ = State::kRunning;
        summary_.first_command_at = now;
        deadline_ = timeout_at_;
        const std::size_t batch = policy.pacing == Pacing::kBurst ? plan_.size() : 1;
        send_next(batch, now, policy, out);
        return;
    }
    end(SessionOutcome::kTimedOut,
        std::to_string(plan_.size() - answered_) + " of " + std::to_string(plan_.size()) +
            " commands unanswered after the session timeout" +
            (restored_ ? "; the server restarted during the session, so a reply or command "
                         "may have been lost"
                       : ""),
        now, out);
}

void ServerSession::send_next(std::size_t count, TimePoint now, const ServerPolicy& policy,
                              ServerOutbox& out) {
    for (; count > 0 && sent_ < plan_.size(); --count) {
        PlannedCommand& command = plan_[sent_];
        command.sent_at = now;
        const std::string& name = policy.table.at(command.table_index).command;
        out.publish(session_id_, name, command.qos);
        out.record(server_event::CommandSent{session_id_, name, command.qos, sent_});
        ++sent_;
    }
    // An empty plan (min_commands 0) is answered completely from the start.
    if (sent_ == plan_.size() && answered_ == plan_.size()) {
        out.publish(session_id_, kWellDone, kMaxQos);
        end(SessionOutcome::kPassed, {}, now, out);
    }
}

ServerSession::PlannedCommand* ServerSession::best_unanswered(std::size_t table_index, int qos) {
    std::uint32_t& cursor = cursor_[table_index];
    while (cursor < sent_ && (plan_[cursor].table_index != table_index || plan_[cursor].answered)) {
        ++cursor;
    }
    const auto better = [qos](const PlannedCommand& candidate, const PlannedCommand& best) {
        const bool candidate_fits = candidate.qos <= qos;
        if (candidate_fits != (best.qos <= qos)) return candidate_fits;
        return candidate_fits ? candidate.qos > best.qos : candidate.qos < best.qos;
    };
    PlannedCommand* best = nullptr;
    for (std::uint32_t i = cursor; i < sent_; ++i) {
        PlannedCommand& candidate = plan_[i];
        if (candidate.table_index != table_index || candidate.answered) continue;
        if (best == nullptr || better(candidate, *best)) best = &candidate;
        if (best->qos == qos) break;  // nothing fits better
    }
    return best;
}

void ServerSession::on_reply(std::string_view command, std::string_view word, int qos,
                             TimePoint now, const ServerPolicy& policy, ServerOutbox& out) {
    const auto checked = [&](Verdict verdict, Duration latency) {
        out.record(server_event::ReplyChecked{session_id_, command, word, qos, verdict, latency});
    };
    if (state_ == State::kEnded) return checked(Verdict::kAfterEnd, {});
    const auto index = policy.table.find(command);
    PlannedCommand* instance = index ? best_unanswered(*index, qos) : nullptr;
    if (index && policy.table.at(*index).reply != word) {
        ++summary_.wrong;
        checked(Verdict::kWrong, {});
        return end(SessionOutcome::kFailed,
                   "wrong reply '" + printable(word) + "' to " + std::string(command) +
                       " (expected '" + policy.table.at(*index).reply + "')",
                   now, out);
    }
    if (instance == nullptr) {
        ++summary_.surplus;
        const bool ever_sent =
            index && std::any_of(plan_.begin(), plan_.begin() + sent_,
                                 [&](const auto& sent) { return sent.table_index == *index; });
        const Verdict verdict = ever_sent ? Verdict::kSurplus : Verdict::kUnexpected;
        // Beyond the bound only the summary counts them: the ledger's session row has the total.
        if (summary_.surplus <= policy.surplus_replies_recorded) checked(verdict, {});
        const bool excused = verdict == Verdict::kSurplus && excused_surplus_ > 0;
        if (excused) --excused_surplus_;
        if (policy.strict && !excused) {
            end(SessionOutcome::kFailed,
                std::string(to_string(verdict)) + " reply to " + printable(command) +
                    " (strict mode)",
                now, out);
        }
        return;
    }
    const Duration latency = now - instance->sent_at;
    if (qos < instance->qos) {
        ++summary_.low_qos;
        checked(Verdict::kLowQos, latency);
        if (policy.strict) {
            return end(SessionOutcome::kFailed,
                       "reply to " + std::string(command) + " at QoS " + std::to_string(qos) +
                           ", below the command's QoS " + std::to_string(instance->qos) +
                           " (strict mode)",
                       now, out);
        }
    } else {
        checked(Verdict::kCorrect, latency);
    }
    accept(*instance, now, policy, out);
}

void ServerSession::accept(PlannedCommand& command, TimePoint now, const ServerPolicy& policy,
                           ServerOutbox& out) {
    command.answered = true;
    ++answered_;
    ++summary_.correct;
    if (policy.pacing == Pacing::kLockstep && sent_ < plan_.size()) {
        send_next(1, now, policy, out);
    } else if (sent_ == plan_.size() && answered_ == plan_.size()) {
        out.publish(session_id_, kWellDone, kMaxQos);
        end(SessionOutcome::kPassed, {}, now, out);
    }
}

void ServerSession::end(SessionOutcome outcome, std::string reason, TimePoint now,
                        ServerOutbox& out) {
    if (state_ == State::kEnded) return;
    state_ = State::kEnded;
    deadline_ = kNever;
    summary_.user_id = user_id_;
    summary_.session_id = session_id_;
    summary_.outcome = outcome;
    summary_.reason = std::move(reason);
    summary_.ended_at = now;
    out.record(server_event::SessionEnded{summary_});
    if (feedback_) out.publish(result_topic(user_id_), encode_verdict(summary_), kResultQos);
}

}  // namespace cmdlink::core
