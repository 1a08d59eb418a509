#include "runner/login_timeout_message.hpp"

#include <chrono>
#include <sstream>

namespace cmdlink::runner {

std::string login_timeout_message(std::string_view user_id, std::string_view broker,
                                  core::Duration timeout, int logins_sent,
                                  std::string_view server_reason) {
    std::ostringstream text;
    text << "no session ID within the login timeout ("
         << std::chrono::duration<double>(timeout).count() << " s; login as user ID " << user_id
         << " sent " << logins_sent << (logins_sent == 1 ? " time" : " times") << " on " << broker
         << ")";
    if (!server_reason.empty()) {
        text << ". The server refused the login: " << server_reason;
        return text.str();
    }
    text << ". Likely causes, most likely first: (1) no cmdlink server is running on this "
            "broker (ask the instructor whether it is up); (2) user ID "
         << user_id
         << " is not on the server's roster, so it issues no session for it; (3) the instructor "
            "expects a different user ID (check --user-id for a typo, or a number given in "
            "another form)";
    return text.str();
}

}  // namespace cmdlink::runner
