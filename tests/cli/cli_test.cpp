// Exit codes, inspect --raw and every subcommand's --help, through the real photon-dct binary.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;

// ---- exit codes -----------------------------------------------------------------------------

TEST(ExitCode, InspectFieldFailureImageIs11) {
    const auto r = run({"inspect", "--file", kFieldFailure.string()});
    EXPECT_EQ(r.status, 11) << r.err;
    // The diagnosis the project exists for, with the command that fixes it.
    EXPECT_TRUE(contains(r.out, "device.spark.io:5683")) << r.out;
    EXPECT_TRUE(contains(r.out, "restore-server")) << r.out;
}

TEST(ExitCode, InspectProvisionedBackupIs0) {
    const auto r = run({"inspect", "--file", kProvisioned.string()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Findings")) << r.out;
}

TEST(ExitCode, InspectDoesNotModifyTheImage) {
    TempDir dir;
    fs::copy_file(kFieldFailure, dir / "u.dct");
    const std::string sha = sha256_file(dir / "u.dct");
    EXPECT_EQ(run({"inspect", "--file", (dir / "u.dct").string()}, dir.path()).status, 11);
    EXPECT_EQ(sha256_file(dir / "u.dct"), sha);
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"u.dct"});
}

TEST(ExitCode, NoSubcommandIsUsage) {
    const auto r = run({});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(ExitCode, UnknownOptionIsUsage) {
    const auto r = run({"inspect", "--file", kFieldFailure.string(), "--no-such-option"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
    EXPECT_TRUE(contains(r.err, "--no-such-option")) << r.err;
}

TEST(ExitCode, UnknownSubcommandIsUsage) {
    const auto r = run({"frobnicate"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
}

TEST(ExitCode, PortWithoutValueIsUsage) {
    TempDir dir;
    fs::copy_file(kFieldFailure, dir / "u.dct");
    const std::string sha = sha256_file(dir / "u.dct");
    const auto r = run({"restore-server", "--file", (dir / "u.dct").string(), "--pem", kServerPub.string(), "--host",
                        "cloud.example.com", "--port"},
                       dir.path());
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
    EXPECT_TRUE(contains(r.err, "--port")) << r.err;
    EXPECT_EQ(sha256_file(dir / "u.dct"), sha);
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"u.dct"});
}

TEST(ExitCode, MissingRequiredHostIsUsage) {
    const auto r = run({"restore-server", "--file", kFieldFailure.string(), "--pem", kServerPub.string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
    EXPECT_TRUE(contains(r.err, "--host")) << r.err;
}

TEST(ExitCode, BadProtocolValueIsUsage) {
    const auto r = run({"restore-server", "--file", kFieldFailure.string(), "--pem", kServerPub.string(), "--host",
                        "cloud.example.com", "--protocol", "http"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
}

TEST(ExitCode, VersionIs0) {
    const auto r = run({"--version"});
    EXPECT_EQ(r.status, 0);
    // The tool's version, then the libusb and OpenSSL it runs with (commands_test.cpp checks those).
    EXPECT_TRUE(std::regex_search(r.out, std::regex("^photon-dct [0-9]+\\.[0-9]+\\.[0-9]+\nlibusb [^\n]+\n[^\n]+\n$")))
        << r.out;
    EXPECT_EQ(r.err, "");
}

TEST(ExitCode, UnknownPlatformIsInvalidInput) {
    const auto r = run({"inspect", "--file", kFieldFailure.string(), "--platform", "argon"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_TRUE(contains(r.err, "argon")) << r.err;
}

TEST(ExitCode, FileWithDeviceSelectorIsUsage) {
    const auto r = run({"inspect", "--file", kFieldFailure.string(), "--device", "3a0036000247363333343435"});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "--file")) << r.err;
}

TEST(ExitCode, AllZeroImageIsDctUnreadableForAWrite) {
    TempDir dir;
    write_bytes(dir / "zero.dct", photon_dct::Bytes(16384, 0x00));
    const std::string sha = sha256_file(dir / "zero.dct");
    const auto r = run({"restore-server", "--file", (dir / "zero.dct").string(), "--pem", kServerPub.string(), "--host",
                        "cloud.example.com"},
                       dir.path());
    EXPECT_EQ(r.status, 9) << r.err;
    EXPECT_TRUE(contains(r.err, "all zeros")) << r.err;
    EXPECT_EQ(sha256_file(dir / "zero.dct"), sha);
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"zero.dct"});
}

TEST(ExitCode, ProtocolOnPhotonIsRefused) {
    const auto r = run({"protocol", "--file", kFieldFailure.string()});
    EXPECT_EQ(r.status, 10) << r.err;
    EXPECT_TRUE(contains(r.err, "TCP only")) << r.err;
}

// ---- inspect --raw ----------------------------------------------------------------------------

// Parses the hex view lines "  OFFSET 0xHEX: xx xx ...  ascii" into (first offset, bytes).
std::pair<long, std::vector<int>> parse_hex_view(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    const std::regex row(R"(^\s+(\d+) 0x([0-9a-f]{4}):((?: [0-9a-f]{2})+)\s\s.*$)");
    long first = -1;
    long expected_next = -1;
    std::vector<int> bytes;
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_match(line, m, row)) continue;
        const long offset = std::stol(m[1]);
        EXPECT_EQ(offset, std::stol(m[2], nullptr, 16)) << "decimal and hex offsets disagree: " << line;
        if (first < 0) first = offset;
        if (expected_next >= 0) {
            EXPECT_EQ(offset, expected_next) << line;
        }
        std::istringstream hex(m[3].str());
        std::string b;
        int n = 0;
        while (hex >> b) {
            bytes.push_back(std::stoi(b, nullptr, 16));
            ++n;
        }
        expected_next = offset + n;
    }
    return {first, bytes};
}

TEST(InspectRaw, ServerAddressIs128BytesAt2466) {
    const auto r = run({"inspect", "--file", kFieldFailure.string(), "--raw", "server_address"});
    EXPECT_EQ(r.status, 11) << r.err;
    const auto at = r.out.find("server_address (offset 2466, 128 bytes)");
    ASSERT_NE(at, std::string::npos) << r.out;
    const auto [first, bytes] = parse_hex_view(r.out.substr(at));
    EXPECT_EQ(first, 2466);
    ASSERT_EQ(bytes.size(), 128u);
    const auto image = read_bytes(kFieldFailure);
    for (std::size_t i = 0; i < bytes.size(); ++i) EXPECT_EQ(bytes[i], image[2466 + i]) << "offset " << 2466 + i;
    // The field failure: the address block reads all 0xFF.
    EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(), [](int b) { return b == 0xff; }));
}

TEST(InspectRaw, AfterRepairShowsTheDomain) {
    TempDir dir;
    fs::copy_file(kFieldFailure, dir / "u.dct");
    ASSERT_EQ(run({"restore-server", "--file", (dir / "u.dct").string(), "--pem", kServerPub.string(), "--host",
                   "cloud.example.com"},
                  dir.path())
                  .status,
              0);
    const auto r = run({"inspect", "--file", (dir / "u.dct").string(), "--raw", "server_address"}, dir.path());
    const auto at = r.out.find("server_address (offset 2466, 128 bytes)");
    ASSERT_NE(at, std::string::npos) << r.out;
    const auto [first, bytes] = parse_hex_view(r.out.substr(at));
    ASSERT_EQ(bytes.size(), 128u);
    EXPECT_EQ(bytes[0], 0x01);
    EXPECT_EQ(bytes[1], 17);
    EXPECT_EQ(std::string(bytes.begin() + 2, bytes.begin() + 19), "cloud.example.com");
    const auto image = read_bytes(dir / "u.dct");
    for (std::size_t i = 0; i < bytes.size(); ++i) EXPECT_EQ(bytes[i], image[2466 + i]) << "offset " << 2466 + i;
}

TEST(InspectRaw, UnknownFieldIsInvalidInputNamingValidFields) {
    TempDir dir;
    fs::copy_file(kFieldFailure, dir / "u.dct");
    const auto r = run({"inspect", "--file", (dir / "u.dct").string(), "--raw", "nosuchfield"}, dir.path());
    EXPECT_EQ(r.status, 7);
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
    EXPECT_TRUE(contains(r.err, "nosuchfield")) << r.err;
    for (const char* field : {"server_address", "server_public_key", "device_private_key", "device_id"})
        EXPECT_TRUE(contains(r.err, field)) << "hint does not name '" << field << "':\n" << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(InspectRaw, FieldPastTheEndOfAShortImageIsAbsent) {
    TempDir dir;
    auto image = read_bytes(kFieldFailure);
    image.resize(4258); // a 0.6.x application DCT
    write_bytes(dir / "short.dct", image);
    // device_secret (8119, 15 bytes, 1.5.0+) lies past the end of a 4258-byte image.
    const auto r = run({"inspect", "--file", (dir / "short.dct").string(), "--raw", "device_secret"}, dir.path());
    EXPECT_EQ(r.status, 11) << r.err; // still the blank-address field failure
    const auto at = r.out.find("device_secret (offset 8119, 15 bytes)");
    ASSERT_NE(at, std::string::npos) << r.out;
    EXPECT_TRUE(contains(r.out.substr(at), "absent: the image is too short")) << r.out;
}

// ---- help -------------------------------------------------------------------------------------

struct HelpCase {
    std::string command;
    std::vector<std::string> mentions;
};

void PrintTo(const HelpCase& k, std::ostream* os) { *os << (k.command.empty() ? "photon-dct" : k.command); }

class Help : public ::testing::TestWithParam<HelpCase> {};

TEST_P(Help, ExitsZeroAndNamesTheOptions) {
    const auto& k = GetParam();
    std::vector<std::string> args;
    if (!k.command.empty()) args.push_back(k.command);
    args.push_back("--help");
    const auto r = run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    for (const auto& m : k.mentions)
        EXPECT_TRUE(contains(r.out, m)) << k.command << " --help lacks '" << m << "':\n" << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Command, Help,
    ::testing::Values(HelpCase{"",
                               {"--json", "--version", "list", "inspect", "backup", "restore-server",
                                "restore-device-key", "new-device-key", "export-public-key", "restore", "protocol"}},
                      HelpCase{"list", {"--help"}},
                      HelpCase{"inspect", {"--file", "--platform", "--device", "--path", "--device-os", "--raw"}},
                      HelpCase{"backup", {"--file", "--output", "--backup-dir", "--device", "--path"}},
                      HelpCase{"restore-server",
                               {"--file", "--pem", "--host", "--port", "--protocol", "--dry-run", "--leave",
                                "--backup-dir", "--platform"}},
                      HelpCase{"restore-device-key", {"--file", "--pem", "--protocol", "--dry-run", "--leave"}},
                      HelpCase{"new-device-key", {"--file", "--protocol", "--out-dir", "--dry-run", "--leave"}},
                      HelpCase{"export-public-key", {"--file", "--output", "--protocol"}},
                      HelpCase{"restore", {"--file", "--from", "--only", "--force", "--dry-run", "--leave"}},
                      HelpCase{"protocol", {"--file", "--platform", "--dry-run", "--leave", "tcp", "udp"}}),
    [](const ::testing::TestParamInfo<HelpCase>& p) {
        std::string name = p.param.command.empty() ? "toplevel" : p.param.command;
        for (auto& c : name)
            if (c == '-') c = '_';
        return name;
    });

} // namespace
