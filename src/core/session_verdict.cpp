#include "core/session_verdict.hpp"

#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace cmdlink::core {
namespace {

constexpr std::string_view kRefusedOutcome = "refused";

constexpr std::array kOutcomes = {SessionOutcome::kPassed, SessionOutcome::kFailed,
                                  SessionOutcome::kAbandoned, SessionOutcome::kTimedOut,
                                  SessionOutcome::kInterrupted};

std::optional<SessionOutcome> outcome_named(std::string_view name) {
    for (const SessionOutcome outcome : kOutcomes) {
        if (to_string(outcome) == name) return outcome;
    }
    return std::nullopt;
}

// The count under `key`, or nothing if it is missing or no count.
std::optional<std::uint32_t> count_at(const nlohmann::json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || !found->is_number_unsigned()) return std::nullopt;
    const auto value = found->get<std::uint64_t>();
    if (value > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    return static_cast<std::uint32_t>(value);
}

}  // namespace

std::string encode_verdict(const SessionSummary& summary) {
    const nlohmann::json object = {
        {"session_id", summary.session_id}, {"outcome", to_string(summary.outcome)},
        {"reason", summary.reason},         {"commands", summary.commands},
        {"correct", summary.correct},       {"low_qos", summary.low_qos},
        {"wrong", summary.wrong},           {"surplus", summary.surplus},
    };
    // A reason quotes what a device sent, which need not be UTF-8: replaced, not thrown.
    return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_login_refusal(std::string_view reason) {
    const nlohmann::json object = {
        {"session_id", ""}, {"outcome", kRefusedOutcome},
        {"reason", reason}, {"commands", 0},
        {"correct", 0},     {"low_qos", 0},
        {"wrong", 0},       {"surplus", 0},
    };
    return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<SessionVerdict> decode_verdict(std::string_view payload) {
    if (payload.size() > kMaxVerdictBytes) {
        return Error{"longer than " + std::to_string(kMaxVerdictBytes) + " bytes"};
    }
    const auto object = nlohmann::json::parse(payload, nullptr, false);
    if (object.is_discarded() || !object.is_object()) return Error{"not a JSON object"};
    SessionVerdict verdict;
    const auto text = [&object](const char* key) -> const std::string* {
        const auto found = object.find(key);
        if (found == object.end() || !found->is_string()) return nullptr;
        return found->get_ptr<const std::string*>();
    };
    const std::string* session_id = text("session_id");
    if (session_id == nullptr) return Error{"no session_id"};
    verdict.session_id = *session_id;
    const std::string* outcome_name = text("outcome");
    if (outcome_name == nullptr) return Error{"no outcome"};
    if (*outcome_name == kRefusedOutcome) {
        verdict.login_refused = true;
    } else {
        const auto outcome = outcome_named(*outcome_name);
        if (!outcome) return Error{"an unknown outcome"};
        verdict.outcome = *outcome;
    }
    if (const std::string* reason = text("reason")) verdict.reason = *reason;
    const std::array<std::pair<const char*, std::uint32_t*>, 5> counts = {{
        {"commands", &verdict.commands},
        {"correct", &verdict.correct},
        {"low_qos", &verdict.low_qos},
        {"wrong", &verdict.wrong},
        {"surplus", &verdict.surplus},
    }};
    for (const auto& [key, into] : counts) {
        const auto value = count_at(object, key);
        if (!value) return Error{std::string("no count ") + key};
        *into = *value;
    }
    return verdict;
}

}  // namespace cmdlink::core
