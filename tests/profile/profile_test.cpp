// Provisioning profiles: the schema of issue 10, and one test per refusal, each checking the
// FILE:LINE:COLUMN it names and the kind of error.
#include <gtest/gtest.h>

#include <string>

#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/profile/profile.hpp"
#include "test_support.hpp"

namespace {

using photon_dct::Error;
using photon_dct::ErrorKind;
namespace profile = photon_dct::profile;
namespace dct = photon_dct::dct;
namespace fs = std::filesystem;

const fs::path kData = PHOTON_DCT_TEST_DATA;

// A directory with the server key, the three directories the profile names and the profile itself.
class ProfileTest : public ::testing::Test {
protected:
    void SetUp() override {
        test_support::write_bytes(dir_ / "server.pub.pem",
                                  test_support::read_bytes(kData / "private-cloud-server.pub.pem"));
        dir_.dir("device-keys");
        dir_.dir("backups");
    }

    // The example of issue 10 with `server` as the [server] table body and `extra` appended.
    static std::string text(const std::string& server = "key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\n"
                                                        "port = 5683\nprotocol = \"tcp\"\n",
                            const std::string& device_key = "missing = \"restore\"\npublic_keys = \"device-keys\"\n",
                            const std::string& files = "backups = \"backups\"\naudit = \"audit.jsonl\"\n") {
        return "name = \"private-cloud-production\"\n[server]\n" + server + "[device_key]\n" + device_key +
               "[files]\n" + files;
    }

    fs::path write(const std::string& content) const {
        const auto p = dir_ / "bench.toml";
        test_support::write_text(p, content);
        return p;
    }

    profile::Profile load(const std::string& content) const { return profile::load_profile(write(content)); }

    // The error load() throws; fails the test when it throws none.
    Error refusal(const std::string& content) const {
        try {
            load(content);
        } catch (const Error& e) {
            return e;
        }
        ADD_FAILURE() << "profile accepted:\n" << content;
        return Error(ErrorKind::Internal, "accepted");
    }

    // Asserts the refusal's kind and that its message starts with bench.toml:LINE:COLUMN.
    void expect_refused(const std::string& content, ErrorKind kind, int line, int column,
                        const std::string& mentions) const {
        const Error e = refusal(content);
        EXPECT_EQ(e.kind(), kind) << e.what();
        const std::string place =
            (dir_ / "bench.toml").string() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
        EXPECT_EQ(std::string(e.what()).rfind(place, 0), 0u) << e.what() << "\nexpected to start with " << place;
        EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
        EXPECT_FALSE(e.hint().empty()) << e.what();
    }

    test_support::TempDir dir_{"profile-test"};
};

TEST_F(ProfileTest, PrivateCloudProfileIsReadWithPathsRelativeToTheProfile) {
    const std::string content = text();
    const auto p = load(content);
    EXPECT_EQ(p.name, "private-cloud-production");
    EXPECT_FALSE(p.server.particle_cloud);
    ASSERT_TRUE(p.server.host.has_value());
    EXPECT_EQ(dct::host_to_string(*p.server.host), "cloud.example.com");
    EXPECT_EQ(p.server.port, 5683);
    EXPECT_EQ(p.server.protocol, dct::Slot::Tcp);
    ASSERT_TRUE(p.server.key.has_value());
    EXPECT_EQ(p.server.key->algorithm_name(), "RSA-2048");
    EXPECT_EQ(p.missing_key, profile::MissingKeyAction::Restore);
    EXPECT_EQ(p.public_keys, dir_.path() / "device-keys");
    EXPECT_EQ(p.backups, dir_.path() / "backups");
    EXPECT_EQ(p.audit, dir_.path() / "audit.jsonl");
    const test_support::Bytes bytes(content.begin(), content.end());
    EXPECT_EQ(p.sha256, photon_dct::keys::sha256_hex(bytes));
}

TEST_F(ProfileTest, AProfileNamedWithoutADirectoryIsRelativeToTheWorkingDirectory) {
    write(text());
    const auto before = fs::current_path();
    fs::current_path(dir_.path());
    try {
        const auto p = profile::load_profile("bench.toml");
        fs::current_path(before);
        EXPECT_EQ(p.audit, fs::path(".") / "audit.jsonl");
        EXPECT_EQ(p.backups, fs::path(".") / "backups");
    } catch (...) {
        fs::current_path(before);
        throw;
    }
}

TEST_F(ProfileTest, OptionalValuesTakeTheirDefaults) {
    const auto p = load(text("key = \"server.pub.pem\"\nhost = \"10.0.0.5\"\n", "public_keys = \"device-keys\"\n"));
    EXPECT_FALSE(p.server.port.has_value());
    EXPECT_FALSE(p.server.protocol.has_value());
    EXPECT_EQ(p.missing_key, profile::MissingKeyAction::Fail);
    EXPECT_EQ(dct::host_to_string(*p.server.host), "10.0.0.5");
}

TEST_F(ProfileTest, ParticleCloudNeedsNoKeyOrHost) {
    const auto p =
        load(text("cloud = \"particle\"\nprotocol = \"udp\"\n", "missing = \"new\"\npublic_keys = \"device-keys\"\n"));
    EXPECT_TRUE(p.server.particle_cloud);
    EXPECT_FALSE(p.server.key.has_value());
    EXPECT_FALSE(p.server.host.has_value());
    EXPECT_EQ(p.server.protocol, dct::Slot::Udp);
    EXPECT_EQ(p.missing_key, profile::MissingKeyAction::New);
}

TEST_F(ProfileTest, AnEcServerKeyIsAcceptedForTheUdpSlot) {
    test_support::write_text(dir_ / "udp.pub.pem", std::string(test_support::kParticleUdpPem));
    const auto p = load(text("key = \"udp.pub.pem\"\nhost = \"udp.example.com\"\n"));
    EXPECT_EQ(p.server.key->algorithm_name(), "EC P-256");
}

TEST_F(ProfileTest, AbsentFileIsAFileError) {
    try {
        profile::load_profile(dir_ / "nope.toml");
        FAIL() << "accepted a missing profile";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo);
    }
}

TEST_F(ProfileTest, RefusesTomlSyntaxErrors) {
    expect_refused("name = \"x\"\n[server\nhost = 1\n", ErrorKind::InvalidInput, 2, 8, "not valid TOML");
}

TEST_F(ProfileTest, RefusesUnknownKeys) {
    expect_refused("colour = \"red\"\n" + text(), ErrorKind::InvalidInput, 1, 1,
                   "unknown key 'colour' in the profile");
    expect_refused(text("key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\nhots = \"x\"\n"),
                   ErrorKind::InvalidInput, 5, 1, "unknown key 'hots' in [server]");
}

TEST_F(ProfileTest, RefusesUnknownKeysInDeviceKeyAndFiles) {
    expect_refused(text(std::string("key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\n"),
                        "public_keys = \"device-keys\"\nmisssing = \"new\"\n"),
                   ErrorKind::InvalidInput, 7, 1, "unknown key 'misssing' in [device_key]");
    expect_refused(text(std::string("key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\n"),
                        "public_keys = \"device-keys\"\n", "backups = \"backups\"\naudit = \"a.jsonl\"\nlog = 1\n"),
                   ErrorKind::InvalidInput, 10, 1, "unknown key 'log' in [files]");
}

TEST_F(ProfileTest, RefusesWrongTypes) {
    expect_refused(text("key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\nport = \"5683\"\n"),
                   ErrorKind::InvalidInput, 5, 8, "[server] port must be an integer, not a string");
    expect_refused("name = 5\n" + text().substr(text().find('\n') + 1), ErrorKind::InvalidInput, 1, 8,
                   "name must be a string, not an integer");
    expect_refused("name = \"x\"\nserver = \"cloud\"\n", ErrorKind::InvalidInput, 2, 10,
                   "[server] must be a table, not a string");
    expect_refused(text("key = [\"server.pub.pem\"]\nhost = \"cloud.example.com\"\n"), ErrorKind::InvalidInput, 3, 7,
                   "[server] key must be a string, not an array");
}

TEST_F(ProfileTest, RefusesBadHostsWithTheDctLayersRule) {
    expect_refused(text("key = \"server.pub.pem\"\nhost = \"cloud_server.example.com\"\n"), ErrorKind::InvalidInput, 4,
                   8, "character '_' is not allowed");
    expect_refused(text("key = \"server.pub.pem\"\nhost = \"10.0.0.256\"\n"), ErrorKind::InvalidInput, 4, 8,
                   "not a number from 0 to 255");
}

TEST_F(ProfileTest, RefusesBadPorts) {
    for (const auto* port : {"0", "65535", "70000", "-1"})
        expect_refused(
            text(std::string("key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\nport = ") + port + "\n"),
            ErrorKind::InvalidInput, 5, 8, "[server] port");
}

TEST_F(ProfileTest, RefusesAMissingKeyFile) {
    expect_refused(text("key = \"missing.pub.pem\"\nhost = \"cloud.example.com\"\n"), ErrorKind::FileIo, 3, 7,
                   "missing.pub.pem");
}

TEST_F(ProfileTest, RefusesKeysThatDoNotFitTheSlot) {
    test_support::write_text(dir_ / "rsa1024.pub.pem", photon_dct::keys::generate_rsa(1024).public_pem());
    expect_refused(text("key = \"rsa1024.pub.pem\"\nhost = \"cloud.example.com\"\n"), ErrorKind::InvalidInput, 3, 7,
                   "the TCP slot needs RSA-2048");
    test_support::write_text(dir_ / "udp.pub.pem", std::string(test_support::kParticleUdpPem));
    expect_refused(text("key = \"udp.pub.pem\"\nhost = \"cloud.example.com\"\nprotocol = \"tcp\"\n"),
                   ErrorKind::InvalidInput, 3, 7, "the TCP slot needs RSA-2048");
    test_support::write_text(dir_ / "garbage.pem", "not a key\n");
    expect_refused(text("key = \"garbage.pem\"\nhost = \"cloud.example.com\"\n"), ErrorKind::InvalidInput, 3, 7,
                   "not a PEM or DER key");
}

TEST_F(ProfileTest, RefusesAPrivateServerKey) {
    test_support::write_bytes(dir_ / "device.pem", test_support::read_bytes(kData / "photon-device-key.pem"));
    expect_refused(text("key = \"device.pem\"\nhost = \"cloud.example.com\"\n"), ErrorKind::InvalidInput, 3, 7,
                   "holds a private key");
}

TEST_F(ProfileTest, RefusesParticleCloudMixedWithAPrivateCloud) {
    expect_refused(text("cloud = \"particle\"\nhost = \"cloud.example.com\"\n"), ErrorKind::InvalidInput, 4, 8,
                   "[server] host cannot be combined with cloud = \"particle\"");
    expect_refused(text("cloud = \"aws\"\n"), ErrorKind::InvalidInput, 3, 9, "[server] cloud is 'aws'");
}

TEST_F(ProfileTest, RefusesBadChoices) {
    expect_refused(text("key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\nprotocol = \"http\"\n"),
                   ErrorKind::InvalidInput, 5, 12, "[server] protocol is 'http'; it must be \"tcp\" or \"udp\"");
    expect_refused(text("key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\n",
                        "missing = \"maybe\"\npublic_keys = \"device-keys\"\n"),
                   ErrorKind::InvalidInput, 6, 11, "[device_key] missing is 'maybe'");
}

TEST_F(ProfileTest, RefusesMissingValuesAtTheirTable) {
    expect_refused(text("key = \"server.pub.pem\"\n"), ErrorKind::InvalidInput, 2, 1, "[server] host is missing");
    expect_refused("name = \"x\"\n[files]\nbackups = \"backups\"\n", ErrorKind::InvalidInput, 1, 1,
                   "the profile has no [server] table");
}

TEST_F(ProfileTest, RefusesMissingDirectories) {
    const std::string server = "key = \"server.pub.pem\"\nhost = \"cloud.example.com\"\n";
    expect_refused(text(server, "public_keys = \"keys-typo\"\n"), ErrorKind::FileIo, 6, 15, "[device_key] public_keys");
    expect_refused(text(server, "public_keys = \"device-keys\"\n", "backups = \"nowhere\"\naudit = \"a.jsonl\"\n"),
                   ErrorKind::FileIo, 8, 11, "[files] backups");
    expect_refused(text(server, "public_keys = \"device-keys\"\n", "backups = \"backups\"\naudit = \"no/a.jsonl\"\n"),
                   ErrorKind::FileIo, 9, 9, "[files] audit");
}

TEST_F(ProfileTest, RefusesANameWithControlCharacters) {
    expect_refused("name = \"line\\u001b[31m\"\n" + text().substr(text().find('\n') + 1), ErrorKind::InvalidInput, 1, 8,
                   "control characters");
}

} // namespace
