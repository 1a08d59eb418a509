#pragma once

#include <functional>
#include <string>

#include "apps/output/console.hpp"
#include "runner/client_runner.hpp"

namespace cmdlink::apps {

// Turns a client run into the stderr transcript and the --json event stream.
class ClientTranscript final : public runner::ClientObserver {
  public:
    // `label_with_user_id`: each line starts with its client's user ID (the demo runs several
    // clients in one process and one transcript).
    ClientTranscript(Console& console, bool label_with_user_id,
                     std::function<void(const runner::ClientRunner&)> on_finished);

    void on_connected(const runner::ClientRunner& runner, bool first,
                      bool session_present) override;
    void on_connection_lost(const runner::ClientRunner& runner, std::string_view reason) override;
    void on_session_event(const runner::ClientRunner& runner,
                          const core::ClientEvent& event) override;
    void on_finished(const runner::ClientRunner& runner) override;
    void on_request_failed(const runner::ClientRunner& runner, std::string_view reason) override;
    void on_packet_log(const runner::ClientRunner& runner, std::string_view line) override;

  private:
    [[nodiscard]] nlohmann::json event(const runner::ClientRunner& runner, const char* name) const;
    void summarise(const runner::ClientRunner& runner);
    [[nodiscard]] std::string label(const runner::ClientRunner& runner) const;

    Console& console_;
    bool label_with_user_id_;
    std::function<void(const runner::ClientRunner&)> on_finished_;
};

}  // namespace cmdlink::apps
