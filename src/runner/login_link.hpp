#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/event_loop.hpp"
#include "net/mqtt_connection.hpp"
#include "runner/share_probe.hpp"

namespace cmdlink::runner {

class LoginLinkOwner {
  public:
    virtual ~LoginLinkOwner() = default;
    virtual void on_login_message(std::string_view topic, std::string_view payload, int qos,
                                  bool retained) = 0;
    virtual void on_login_subscribed(std::string_view filter, int granted_qos) = 0;
    // The broker cannot deliver the group's logins (see ShareProbe), or refused the login
    // connection for good: the server cannot work in a group on it.
    virtual void on_login_link_refused(std::string_view reason) = 0;
    // The login connection went down; it reconnects (and subscribes again if joined).
    virtual void on_login_link_lost(std::string_view reason) = 0;
    // close() has completed.
    virtual void on_login_link_closed() = 0;
};

// A shared group's login subscription (`$share/<group>/login`) on a clean-session connection
// of its own, under the client ID `<server's client ID>-login`.
//
// Why not on the server's persistent session: a broker keeps a persistent session, and its
// place in the group, after its client dies; Mosquitto 2.0.11 then goes on handing it its
// share of the logins, which wait for a server that may never return. A clean session ends
// with its connection, and the broker gives the next logins to the members still there. The
// sessions themselves (reply subscriptions, commands, session IDs) stay on the persistent
// connection, whose replies survive a reconnect.
//
// The first join() asks the broker whether it really shares (ShareProbe) before it
// subscribes; a broker that does not is reported through on_login_link_refused.
class LoginLink final : private net::MqttListener {
  public:
    // `mqtt`: the server's options (host, credentials, TLS, MQTT version); `filter`: the
    // shared subscription, `$share/<group>/<topic>`; `probe_topic`: a topic of this server's
    // own for the probe.
    static core::Result<std::unique_ptr<LoginLink>> create(net::EventLoop& loop,
                                                           const net::MqttOptions& mqtt,
                                                           std::string filter,
                                                           std::string probe_topic,
                                                           LoginLinkOwner& owner);
    ~LoginLink() override;
    LoginLink(const LoginLink&) = delete;
    LoginLink& operator=(const LoginLink&) = delete;

    // Logins wanted: probes the broker the first time, connects, subscribes the filter; and
    // on every reconnect of the login connection again, until leave() or close().
    void join();
    // No logins for now (draining, or the session connection is down): unsubscribes.
    void leave();
    // Leaves the group for good: a clean disconnect, which ends the clean session and with
    // it the membership at once. on_login_link_closed follows.
    void close();

    [[nodiscard]] const std::string& filter() const { return filter_; }
    [[nodiscard]] bool joined() const { return joined_; }
    [[nodiscard]] const net::MqttConnection& connection() const { return *connection_; }

  private:
    enum class State { kIdle, kProbing, kConnecting, kConnected, kClosing, kClosed };

    LoginLink(std::string filter, LoginLinkOwner& owner);

    void on_verdict(std::optional<std::string> failure);
    void connect();
    void refuse(std::string reason);

    void on_connected(bool session_present) override;
    void on_refused(std::string reason) override;
    void on_connection_lost(std::string reason) override;
    void on_message(std::string_view topic, std::string_view payload, int qos,
                    bool retained) override;
    void on_subscribed(std::string_view topic, int granted_qos) override;
    void on_closed() override;
    void on_request_failed(std::string_view reason) override;

    std::string filter_;
    LoginLinkOwner& owner_;
    std::unique_ptr<ShareProbe> probe_;
    std::unique_ptr<net::MqttConnection> connection_;
    State state_ = State::kIdle;
    bool joined_ = false;
    bool closed_reported_ = false;
};

}  // namespace cmdlink::runner
