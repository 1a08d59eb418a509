#include "server/announce_gate.hpp"

namespace cmdlink::server {

bool AnnounceGate::wait(std::string_view session_id) {
    if (required_ == 0) return true;
    received_.insert_or_assign(std::string(session_id), std::uint8_t{0});
    return false;
}

bool AnnounceGate::confirm(std::string_view session_id, Confirmation confirmation) {
    const auto found = received_.find(std::string(session_id));
    if (found == received_.end()) return false;
    found->second |= static_cast<std::uint8_t>(confirmation);
    if ((found->second & required_) != required_) return false;
    received_.erase(found);
    return true;
}

void AnnounceGate::forget(std::string_view session_id) {
    received_.erase(std::string(session_id));
}

}  // namespace cmdlink::server
