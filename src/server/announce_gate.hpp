#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cmdlink::server {

// What must be true of a new session before its ID may go out. (That its row is committed
// needs no confirmation here: the ledger's write gate holds every write until then.)
enum class Confirmation : std::uint8_t {
    // The dynamic security plugin acknowledged the grant of the session's topics to its
    // student, so the student can read the commands once they learn the ID.
    kGranted = 1,
};

// The one rule "a session ID goes out only once it is granted": each new session waits here
// until every confirmation the server requires has arrived.
class AnnounceGate {
  public:
    // `required`: the Confirmation values, or-ed; 0 lets every session through at once.
    explicit AnnounceGate(std::uint8_t required) : required_(required) {}

    void require(Confirmation confirmation) {
        required_ |= static_cast<std::uint8_t>(confirmation);
    }

    // A new session waits; true if it needs nothing and may be announced now.
    bool wait(std::string_view session_id);
    // True if this was the last confirmation `session_id` waited for: announce it now.
    bool confirm(std::string_view session_id, Confirmation confirmation);
    // The session ended before it was announced.
    void forget(std::string_view session_id);

    [[nodiscard]] std::size_t waiting() const { return received_.size(); }

  private:
    std::uint8_t required_;
    std::unordered_map<std::string, std::uint8_t> received_;  // session ID -> confirmations
};

}  // namespace cmdlink::server
