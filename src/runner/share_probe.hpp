#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/event_loop.hpp"
#include "net/mqtt_connection.hpp"

namespace cmdlink::runner {

// Asks the broker, before a server joins a shared group, whether it really delivers shared
// subscriptions: two clean-session connections join `$share/<group>/<topic>`, one publishes
// a few probes to `<topic>`, and each probe must reach exactly one of them.
//
// What each broker does wrong is caught on the way: an MQTT 5 CONNACK saying "Shared
// Subscription Available: 0", a refused SUBACK (0x80, 0x87, 0x9E), a DISCONNECT 0x9E
// (ejabberd), probes that never arrive (RabbitMQ 3.10 and aedes take `$share/...` as a
// literal topic name), a probe that reaches both members (a broker that ignores the group).
class ShareProbe {
  public:
    // The verdict: nothing when the broker shares, else why not, in words naming the limit.
    // It runs inside a libmosquitto callback: keep the probe alive until the loop returns.
    using Verdict = std::function<void(std::optional<std::string> failure)>;

    static constexpr int kProbes = 4;
    static constexpr std::chrono::seconds kLimit{5};

    // `mqtt`: the server's own options; the members connect with clean sessions under the
    // client IDs `<client ID>-probe-1` and `-probe-2`.
    static core::Result<std::unique_ptr<ShareProbe>> create(net::EventLoop& loop,
                                                            const net::MqttOptions& mqtt,
                                                            std::string group, std::string topic,
                                                            Verdict verdict);
    ~ShareProbe();
    ShareProbe(const ShareProbe&) = delete;
    ShareProbe& operator=(const ShareProbe&) = delete;

    core::Result<bool> start();
    // Gives up without a verdict (the server stops) and disconnects both members.
    void cancel();
    [[nodiscard]] bool finished() const { return finished_; }

  private:
    class Member;

    ShareProbe(net::EventLoop& loop, std::string group, std::string topic, Verdict verdict);

    void on_member_connected(Member& member);
    void on_member_subscribed(int granted_qos);
    void on_member_message(std::string_view topic, std::string_view payload);
    void on_member_refused(const std::string& reason);
    void on_timeout();
    void finish(std::optional<std::string> failure);
    [[nodiscard]] std::string shared_filter() const;

    net::EventLoop& loop_;
    std::string group_;
    std::string topic_;
    Verdict verdict_;
    std::array<std::unique_ptr<Member>, 2> members_;
    net::Timer limit_timer_;
    bool published_ = false;
    bool finished_ = false;
    std::set<std::string, std::less<>> arrived_;
    std::string last_loss_;
};

}  // namespace cmdlink::runner
