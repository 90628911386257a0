// Issue 11: "unknown command 'foo'" with the closest command, --version with the libraries in use,
// and the environment defaults named in --help.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;

TEST(UnknownCommand, TypoGetsTheClosestCommand) {
    const auto r = run({"inspetc", "--file", kFieldFailure.string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "error: unknown command 'inspetc'")) << r.err;
    EXPECT_TRUE(contains(r.err, "did you mean 'inspect'?")) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(UnknownCommand, PrefixGetsTheClosestOfTheCommandsItStarts) {
    const auto r = run({"restor"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "did you mean 'restore'?")) << r.err;
}

TEST(UnknownCommand, GlobalOptionsBeforeItAreSkipped) {
    const auto r = run({"-q", "--trace-usb", "bakcup"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "unknown command 'bakcup'")) << r.err;
    EXPECT_TRUE(contains(r.err, "did you mean 'backup'?")) << r.err;
}

TEST(UnknownCommand, NothingCloseListsTheCommands) {
    const auto r = run({"xyzzy"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(contains(r.err, "unknown command 'xyzzy'")) << r.err;
    EXPECT_FALSE(contains(r.err, "did you mean")) << r.err;
    EXPECT_TRUE(contains(r.err, "inspect")) << r.err;
    EXPECT_TRUE(contains(r.err, "restore-server")) << r.err;
}

TEST(UnknownCommand, JsonIsOneUsageDocument) {
    const auto r = run({"--json", "inspetc"});
    EXPECT_EQ(r.status, 2);
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["ok"], false);
    EXPECT_EQ(doc["error"]["kind"], "usage");
    EXPECT_EQ(doc["error"]["message"], "unknown command 'inspetc'");
    EXPECT_TRUE(contains(doc["error"]["hint"].get<std::string>(), "'inspect'"));
}

TEST(Version, NamesTheLibrariesInUse) {
    const auto r = run({"--version"});
    EXPECT_EQ(r.status, 0);
    std::istringstream lines(r.out);
    std::string tool, libusb, openssl;
    std::getline(lines, tool);
    std::getline(lines, libusb);
    std::getline(lines, openssl);
    EXPECT_TRUE(starts_with(tool, "photon-dct ")) << r.out;
    EXPECT_TRUE(starts_with(libusb, "libusb 1.")) << r.out;
    EXPECT_TRUE(starts_with(openssl, "OpenSSL 3.")) << r.out;
}

TEST(Environment, HelpNamesTheVariables) {
    const auto top = run({"--help"});
    EXPECT_TRUE(contains(top.out, "PHOTON_DCT_DEVICE")) << top.out;
    EXPECT_TRUE(contains(top.out, "PHOTON_DCT_BACKUP_DIR")) << top.out;
    const auto sub = run({"restore-server", "--help"});
    EXPECT_TRUE(contains(sub.out, "(Env:PHOTON_DCT_DEVICE)")) << sub.out;
    EXPECT_TRUE(contains(sub.out, "(Env:PHOTON_DCT_BACKUP_DIR)")) << sub.out;
    EXPECT_TRUE(contains(top.out, "PHOTON_DCT_PROFILE")) << top.out;
    for (const std::string command : {"verify", "provision", "bench"}) {
        const auto help = run({command, "--help"});
        EXPECT_TRUE(contains(help.out, "(Env:PHOTON_DCT_PROFILE)")) << help.out;
    }
}

// Only the command named on the command line is defined (src/cli/main.cpp, issue 9: host time);
// every command the top-level help lists must still be reachable, with its own help and options.
TEST(Commands, EveryListedCommandHasItsOwnHelp) {
    const auto top = run({"--help"});
    std::istringstream lines(top.out.substr(top.out.find("Subcommands:")));
    std::vector<std::string> commands;
    std::string line;
    std::getline(lines, line); // "Subcommands:"
    while (std::getline(lines, line) && starts_with(line, "  ")) {
        std::istringstream words(line);
        std::string name;
        words >> name;
        commands.push_back(name);
    }
    ASSERT_EQ(commands.size(), 14u) << top.out;
    for (const auto& command : commands) {
        const auto help = run({"--json", command, "--help"});
        EXPECT_EQ(help.status, 0) << command;
        EXPECT_TRUE(contains(help.out, "Usage: photon-dct " + command + " [OPTIONS]")) << help.out;
        // A usage error is the command's own (a missing or unknown option), not an unknown command.
        const auto wrong = run({command, "--no-such-option"});
        EXPECT_EQ(wrong.status, 2) << command;
        EXPECT_TRUE(contains(wrong.err, "error: ")) << wrong.err;
        EXPECT_FALSE(contains(wrong.err, "unknown command")) << wrong.err;
    }
}

// The audit records in `log` (one JSON line each): the profile each names.
std::vector<std::string> audited_profiles(const fs::path& log) {
    std::vector<std::string> names;
    if (!fs::exists(log)) return names;
    std::istringstream lines(test_support::read_text(log));
    for (std::string line; std::getline(lines, line);) names.push_back(nlohmann::json::parse(line)["profile"]);
    return names;
}

// PHOTON_DCT_PROFILE is --profile when the option is left out; an explicit --profile wins.
TEST(Environment, ProfileDefaultAndExplicitOptionWins) {
    TempDir dir;
    fs::copy_file(kProvisioned, dir / "u.dct");
    const auto bench_profile = write_profile(dir.path(), "bench");
    const auto other_profile = write_profile(dir.path(), "other");
    ::setenv("PHOTON_DCT_PROFILE", bench_profile.c_str(), 1);
    const auto from_env = run({"--json", "verify", "--file", (dir / "u.dct").string()}, dir.path());
    const auto explicit_option =
        run({"--json", "verify", "--file", (dir / "u.dct").string(), "--profile", other_profile.string()}, dir.path());
    ::unsetenv("PHOTON_DCT_PROFILE");
    const auto without = run({"verify", "--file", (dir / "u.dct").string()}, dir.path());

    EXPECT_EQ(from_env.status, 11) << from_env.out << from_env.err; // differs from the profile: a result
    EXPECT_EQ(explicit_option.status, 11) << explicit_option.out << explicit_option.err;
    EXPECT_EQ(audited_profiles(dir / "bench.jsonl"), std::vector<std::string>{"bench"});
    EXPECT_EQ(audited_profiles(dir / "other.jsonl"), std::vector<std::string>{"other"});
    EXPECT_EQ(without.status, 2) << "--profile is required when the variable is unset: " << without.err;
    EXPECT_TRUE(contains(without.err, "--profile")) << without.err;
}

// The system's OpenSSL configuration does not change what photon-dct reads (keys::initialize): a
// configuration that names a provider OpenSSL cannot load made the server key read as "not a DER
// public key" before.
TEST(Environment, OpenSslConfigurationIsNotRead) {
    TempDir dir;
    const auto config = dir / "openssl.cnf";
    test_support::write_text(config, "openssl_conf = init\n[init]\nproviders = providers\n"
                                     "[providers]\nnosuch = nosuch\n[nosuch]\nactivate = 1\n");
    const auto plain = run({"--json", "inspect", "--file", kFieldFailure.string()});
    ::setenv("OPENSSL_CONF", config.c_str(), 1);
    const auto configured = run({"--json", "inspect", "--file", kFieldFailure.string()});
    ::unsetenv("OPENSSL_CONF");
    EXPECT_EQ(plain.status, 11) << plain.err;
    EXPECT_EQ(configured.status, plain.status) << configured.err;
    EXPECT_EQ(configured.out, plain.out);
    EXPECT_TRUE(contains(plain.out, "\"state\": \"valid\"")) << "the server key reads as a key: " << plain.out;
}

} // namespace
