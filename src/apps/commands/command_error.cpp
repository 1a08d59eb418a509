#include "apps/commands/command_error.hpp"

#include "apps/commands/exit_codes.hpp"

namespace cmdlink::apps {
namespace {

const char* reason_of(core::ErrorKind kind) {
    switch (kind) {
        case core::ErrorKind::kInput:
            return "usage";
        case core::ErrorKind::kConnection:
            return "connection";
        case core::ErrorKind::kSystem:
            return "system";
    }
    return "usage";
}

}  // namespace

int report_failure(Console& console, const core::Error& error) {
    console.log().error("{}", error.message);
    console.emit(
        {{"event", "error"}, {"reason", reason_of(error.kind)}, {"message", error.message}});
    return exit_code_for(error);
}

}  // namespace cmdlink::apps
