#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace cmdlink::runner {

// Why a client connected but got no session ID, with what the student can check, most
// likely first: no server running, a user ID the server does not know (not on its roster),
// a user ID other than the one the instructor expects. `server_reason`: what the server said
// when it refused the login (`server --feedback`), put first; empty when it said nothing.
std::string login_timeout_message(std::string_view user_id, std::string_view broker,
                                  core::Duration timeout, int logins_sent,
                                  std::string_view server_reason);

}  // namespace cmdlink::runner
