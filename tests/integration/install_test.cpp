// `cmake --install` into a prefix of the test's own: what a package or a `sudo cmake
// --install` puts on a machine, and that the installed binary works from there.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "broker/child_process.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class Installing : public ProcessTest {
  protected:
    // Runs `program arguments...` to completion; its output, or a test failure with it.
    std::string run(const std::filesystem::path& program, const std::vector<std::string>& arguments,
                    int expected_exit = 0) {
        const auto output = workspace() / ("run-" + std::to_string(++runs_) + ".out");
        auto child = broker::ChildProcess::spawn(program, arguments, output);
        if (!child.ok()) {
            ADD_FAILURE() << "cannot run " << program << ": " << child.error();
            return {};
        }
        auto exited = child.value().wait_for_exit(kWaitLimit);
        const std::string text = read_text(output);
        if (!exited.ok() || !exited.value().has_value()) {
            ADD_FAILURE() << program << " did not end within the limit:\n" << text;
            return text;
        }
        EXPECT_EQ(WEXITSTATUS(*exited.value()), expected_exit) << program << ":\n" << text;
        return text;
    }

    std::filesystem::path install() {
        const auto prefix = workspace() / "prefix";
        run(CMDLINK_CMAKE, {"--install", CMDLINK_BUILD_DIR, "--prefix", prefix.string()});
        return prefix;
    }

  private:
    int runs_ = 0;
};

TEST_F(Installing, PutsTheBinaryPluginManPagesCompletionUnitAndDocsUnderThePrefix) {
    const auto prefix = install();
    for (const char* file :
         {"bin/cmdlink", "lib/cmdlink/cmdlink_auth.so", "share/man/man1/cmdlink.1",
          "share/man/man1/cmdlink-client.1", "share/man/man1/cmdlink-server.1",
          "share/man/man1/cmdlink-broker-config.1", "share/bash-completion/completions/cmdlink",
          "share/doc/cmdlink/README.md", "share/doc/cmdlink/PROTOCOL.md",
          "lib/systemd/system/cmdlink-server.service",
          "share/doc/cmdlink/examples/server.toml.example"}) {
        EXPECT_TRUE(std::filesystem::is_regular_file(prefix / file)) << file;
    }
}

TEST_F(Installing, TheInstalledBinaryNamesItsVersionAndLibmosquittos) {
    const auto prefix = install();
    const std::string version = run(prefix / "bin/cmdlink", {"--version"});
    EXPECT_NE(version.find("cmdlink " CMDLINK_PROJECT_VERSION), std::string::npos) << version;
    EXPECT_NE(version.find("libmosquitto 2."), std::string::npos) << version;
}

TEST_F(Installing, AManPageHoldsEveryFlagOfItsCommandsHelp) {
    const auto prefix = install();
    const std::string page = read_text(prefix / "share/man/man1/cmdlink-client.1");
    ASSERT_FALSE(page.empty());
    // help2man writes each '-' of a flag as "\-".
    for (const char* flag :
         {"\\-\\-user\\-id", "\\-\\-host", "\\-\\-login\\-timeout", "\\-\\-json"}) {
        EXPECT_NE(page.find(flag), std::string::npos) << flag;
    }
}

TEST_F(Installing, TheInstalledBrokerConfigFindsTheLoginPluginUnderThePrefix) {
    const auto prefix = install();
    const auto roster = write_file("roster.csv", "username,password,user_id\nada,secret-1,ada1\n");
    const auto out = workspace() / "broker";
    run(prefix / "bin/cmdlink",
        {"broker-config", "--roster", roster.string(), "--out", out.string()});
    std::string configs;
    for (const auto& entry : std::filesystem::directory_iterator(out)) {
        if (entry.path().extension() == ".conf") configs += read_text(entry.path());
    }
    const auto plugin = std::filesystem::canonical(prefix / "lib/cmdlink/cmdlink_auth.so");
    EXPECT_NE(configs.find(plugin.string()), std::string::npos) << configs;
}

}  // namespace
}  // namespace cmdlink::integration
