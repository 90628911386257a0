// --json: for success and failure of every command that runs on image files, and for usage
// errors, stdout is exactly one JSON document (schema_version, command, ok, exit_code = the exit
// status, error.kind/error.message on failure), and no private key material is ever on stdout.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
namespace keys = photon_dct::keys;
using nlohmann::json;

struct JsonCase {
    std::string name;
    // Prepares files in `dir` and returns the arguments (without --json, added by the test).
    std::function<std::vector<std::string>(const fs::path& dir)> setup;
    int exit_code;
    std::string command;    // expected "command" ("" for errors before a subcommand is known: null)
    std::string error_kind; // "" = success
};

void PrintTo(const JsonCase& k, std::ostream* os) { *os << k.name; }

fs::path copy_to(const fs::path& from, const fs::path& dir, const std::string& name) {
    fs::copy_file(from, dir / name);
    return dir / name;
}

std::vector<JsonCase> cases() {
    std::vector<JsonCase> c;
    // ---- inspect
    c.push_back({"InspectFindings",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"inspect", "--file", copy_to(kFieldFailure, d, "u.dct").string()};
                 },
                 11, "inspect", ""});
    c.push_back({"InspectClean",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"inspect", "--file", copy_to(kProvisioned, d, "u.dct").string()};
                 },
                 0, "inspect", ""});
    c.push_back({"InspectRaw",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"inspect", "--file", copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--raw", "server_address"};
                 },
                 11, "inspect", ""});
    c.push_back({"InspectMissingFile",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"inspect", "--file", (d / "nope.dct").string()};
                 },
                 8, "inspect", "file-io"});
    c.push_back({"InspectRawUnknownField",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"inspect", "--file", copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--raw", "nosuchfield"};
                 },
                 7, "inspect", "invalid-input"});
    // ---- restore-server
    c.push_back({"RestoreServerWrites",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore-server",
                                                     "--file",
                                                     copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--pem",
                                                     kServerPub.string(),
                                                     "--host",
                                                     "cloud.example.com"};
                 },
                 0, "restore-server", ""});
    c.push_back({"RestoreServerDryRun",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore-server",
                                                     "--file",
                                                     copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--pem",
                                                     kServerPub.string(),
                                                     "--host",
                                                     "192.0.2.10",
                                                     "--dry-run"};
                 },
                 0, "restore-server", ""});
    c.push_back({"RestoreServerPrivateKeyPem",
                 [](const fs::path& d) {
                     write_text(d / "k.pem", keys::generate_rsa(2048).private_pem());
                     return std::vector<std::string>{"restore-server",
                                                     "--file",
                                                     copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--pem",
                                                     (d / "k.pem").string(),
                                                     "--host",
                                                     "cloud.example.com"};
                 },
                 0, "restore-server", ""});
    c.push_back(
        {"RestoreServerBadHost",
         [](const fs::path& d) {
             return std::vector<std::string>{
                 "restore-server", "--file", copy_to(kFieldFailure, d, "u.dct").string(), "--pem", kServerPub.string(),
                 "--host",         "1.2.3"};
         },
         7, "restore-server", "invalid-input"});
    c.push_back({"RestoreServerUdpOnPhoton",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore-server",
                                                     "--file",
                                                     copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--pem",
                                                     kServerPub.string(),
                                                     "--host",
                                                     "cloud.example.com",
                                                     "--protocol",
                                                     "udp"};
                 },
                 10, "restore-server", "refused"});
    c.push_back({"RestoreServerMissingHost",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore-server", "--file",
                                                     copy_to(kFieldFailure, d, "u.dct").string(), "--pem",
                                                     kServerPub.string()};
                 },
                 2, "restore-server", "usage"});
    c.push_back({"RestoreServerPortWithoutValue",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore-server",
                                                     "--file",
                                                     copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--pem",
                                                     kServerPub.string(),
                                                     "--host",
                                                     "cloud.example.com",
                                                     "--port"};
                 },
                 2, "restore-server", "usage"});
    // ---- backup
    c.push_back({"BackupWrites",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"backup", "--file", copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "-o", (d / "out.dct").string()};
                 },
                 0, "backup", ""});
    c.push_back({"BackupRefusesToOverwrite",
                 [](const fs::path& d) {
                     write_text(d / "out.dct", "keep me");
                     return std::vector<std::string>{"backup", "--file", copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "-o", (d / "out.dct").string()};
                 },
                 8, "backup", "file-io"});
    // ---- restore
    c.push_back({"RestoreFromOwnBackup",
                 [](const fs::path& d) {
                     const auto from = copy_to(kFieldFailure, d, "from.dct");
                     return std::vector<std::string>{
                         "restore", "--file", copy_to(kFieldFailure, d, "u.dct").string(), "--from", from.string(),
                         "--only",  "server"};
                 },
                 0, "restore", ""});
    c.push_back({"RestoreFromMissingBackup",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore", "--file", copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--from", (d / "nope.dct").string()};
                 },
                 8, "restore", "file-io"});
    // ---- restore-device-key
    c.push_back({"RestoreDeviceKeyWrites",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore-device-key", "--file",
                                                     copy_to(kErasedDeviceKey, d, "u.dct").string(), "--pem",
                                                     kDeviceKey.string()};
                 },
                 0, "restore-device-key", ""});
    c.push_back({"RestoreDeviceKeyPublicKeyRefused",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"restore-device-key", "--file",
                                                     copy_to(kErasedDeviceKey, d, "u.dct").string(), "--pem",
                                                     kServerPub.string()};
                 },
                 7, "restore-device-key", "invalid-input"});
    // ---- export-public-key
    c.push_back(
        {"ExportPublicKey",
         [](const fs::path& d) {
             return std::vector<std::string>{"export-public-key", "--file", copy_to(kProvisioned, d, "u.dct").string()};
         },
         0, "export-public-key", ""});
    c.push_back({"ExportPublicKeyToFile",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"export-public-key", "--file",
                                                     copy_to(kProvisioned, d, "u.dct").string(), "-o",
                                                     (d / "device.pub.pem").string()};
                 },
                 0, "export-public-key", ""});
    c.push_back({"ExportPublicKeyNoFile",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"export-public-key", "--file", (d / "nope.dct").string()};
                 },
                 8, "export-public-key", "file-io"});
    // ---- new-device-key (the private key goes to a file, never to stdout)
    c.push_back({"NewDeviceKeyWrites",
                 [](const fs::path& d) {
                     fs::create_directory(d / "keys");
                     return std::vector<std::string>{"new-device-key", "--file",
                                                     copy_to(kProvisioned, d, "u.dct").string(), "--out-dir",
                                                     (d / "keys").string()};
                 },
                 0, "new-device-key", ""});
    c.push_back({"NewDeviceKeyDryRun",
                 [](const fs::path& d) {
                     return std::vector<std::string>{
                         "new-device-key", "--file",   copy_to(kProvisioned, d, "u.dct").string(),
                         "--out-dir",      d.string(), "--dry-run"};
                 },
                 0, "new-device-key", ""});
    // ---- protocol (Electron image; the Photon is refused)
    c.push_back({"ProtocolShowElectron",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"protocol", "--file", copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--platform", "electron"};
                 },
                 0, "protocol", ""});
    c.push_back({"ProtocolSetElectron",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"protocol",   "udp",
                                                     "--file",     copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--platform", "electron"};
                 },
                 0, "protocol", ""});
    c.push_back({"ProtocolOnPhotonRefused",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"protocol", "--file", copy_to(kFieldFailure, d, "u.dct").string()};
                 },
                 10, "protocol", "refused"});
    // ---- verify and provision against a profile
    c.push_back({"VerifyDiffers",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"verify", "--file", copy_to(kProvisioned, d, "u.dct").string(),
                                                     "--profile", write_profile(d).string()};
                 },
                 11, "verify", ""});
    c.push_back({"ProvisionWrites",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"provision", "--file", copy_to(kProvisioned, d, "u.dct").string(),
                                                     "--profile", write_profile(d).string()};
                 },
                 0, "provision", ""});
    // ---- usage errors
    c.push_back({"UnknownOption",
                 [](const fs::path& d) {
                     return std::vector<std::string>{"inspect", "--file", copy_to(kFieldFailure, d, "u.dct").string(),
                                                     "--bogus"};
                 },
                 2, "inspect", "usage"});
    c.push_back({"NoSubcommand", [](const fs::path&) { return std::vector<std::string>{}; }, 2, "", "usage"});
    c.push_back(
        {"UnknownSubcommand", [](const fs::path&) { return std::vector<std::string>{"frobnicate"}; }, 2, "", "usage"});
    return c;
}

class JsonOutput : public ::testing::TestWithParam<JsonCase> {};

// Every string value in `value`, with its JSON pointer, that is "": the one rule for absent values
// is null (man page, JSON OUTPUT).
void collect_empty_strings(const json& value, const std::string& where, std::vector<std::string>& out) {
    if (value.is_string() && value.get<std::string>().empty()) out.push_back(where);
    if (value.is_object())
        for (const auto& [key, member] : value.items()) collect_empty_strings(member, where + "/" + key, out);
    if (value.is_array())
        for (std::size_t i = 0; i < value.size(); ++i)
            collect_empty_strings(value[i], where + "/" + std::to_string(i), out);
}

// The unit object of a result about an image: the image's platform and the device ID its DCT holds,
// no USB identity.
void check_image_unit(const json& result, const std::string& platform) {
    ASSERT_TRUE(result.contains("unit") && result["unit"].is_object()) << result.dump(2);
    const auto& unit = result["unit"];
    std::set<std::string> keys;
    for (const auto& [key, value] : unit.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"device_id", "platform", "mode", "usb_path", "serial"})) << unit.dump();
    EXPECT_EQ(unit["platform"], platform);
    EXPECT_TRUE(unit["device_id"].is_null() ||
                (unit["device_id"].is_string() && unit["device_id"].get<std::string>().size() == 24))
        << unit.dump();
    EXPECT_TRUE(unit["mode"].is_null()) << unit.dump();
    EXPECT_TRUE(unit["usb_path"].is_null()) << unit.dump();
    EXPECT_TRUE(unit["serial"].is_null()) << unit.dump();
}

// Every command's document on an image: no "" anywhere, and a result carries the unit object.
void check_absent_is_null(const JsonCase& k, const std::vector<std::string>& args, const Result& r) {
    const json doc = json::parse(r.out);
    std::vector<std::string> empty;
    collect_empty_strings(doc, "", empty);
    EXPECT_TRUE(empty.empty()) << "\"\" where null is meant at " << ::testing::PrintToString(empty) << ":\n" << r.out;
    if (k.error_kind.empty()) {
        const bool electron = std::find(args.begin(), args.end(), "electron") != args.end();
        check_image_unit(doc["result"], electron ? "electron" : "photon");
    }
}

void check_document(const JsonCase& k, const Result& r) {
    EXPECT_EQ(r.status, k.exit_code) << "stdout: " << r.out << "\nstderr: " << r.err;
    json doc;
    try {
        doc = json::parse(r.out); // the whole of stdout: trailing text makes this throw
    } catch (const json::exception& e) {
        FAIL() << "stdout is not exactly one JSON document (" << e.what() << "):\n" << r.out << "\nstderr: " << r.err;
    }
    ASSERT_TRUE(doc.is_object()) << r.out;
    EXPECT_EQ(doc.value("schema_version", -1), 1);
    EXPECT_EQ(doc.value("tool", ""), "photon-dct");
    ASSERT_TRUE(doc.contains("command")) << r.out;
    if (k.command.empty())
        EXPECT_TRUE(doc["command"].is_null()) << r.out;
    else
        EXPECT_EQ(doc["command"], k.command);
    ASSERT_TRUE(doc.contains("exit_code") && doc["exit_code"].is_number_integer()) << r.out;
    EXPECT_EQ(doc["exit_code"].get<int>(), r.status) << "exit_code in the document differs from the exit status";
    ASSERT_TRUE(doc.contains("ok") && doc["ok"].is_boolean()) << r.out;
    ASSERT_TRUE(doc.contains("warnings") && doc["warnings"].is_array()) << r.out;
    if (k.error_kind.empty()) {
        EXPECT_TRUE(doc["ok"].get<bool>()) << r.out;
        EXPECT_TRUE(doc.contains("result") && doc["result"].is_object()) << r.out;
        EXPECT_FALSE(doc.contains("error")) << r.out;
    } else {
        EXPECT_FALSE(doc["ok"].get<bool>()) << r.out;
        ASSERT_TRUE(doc.contains("error") && doc["error"].is_object()) << r.out;
        EXPECT_EQ(doc["error"].value("kind", ""), k.error_kind) << r.out;
        EXPECT_FALSE(doc["error"].value("message", "").empty()) << r.out;
        EXPECT_FALSE(doc.contains("result")) << r.out;
    }
    EXPECT_FALSE(contains(r.out, "PRIVATE KEY")) << "private key material on stdout:\n" << r.out;
}

TEST_P(JsonOutput, ExactlyOneDocument) {
    const JsonCase& k = GetParam();
    TempDir dir;
    auto args = k.setup(dir.path());
    args.insert(args.begin(), "--json");
    const auto r = run(args, dir.path());
    check_document(k, r);
    EXPECT_EQ(r.err, "") << "--json mode prints nothing on stderr";
    check_absent_is_null(k, args, r);
}

// The flag after the subcommand (CLI11 fallthrough) gives the same document.
TEST_P(JsonOutput, ExactlyOneDocumentWithFlagLast) {
    const JsonCase& k = GetParam();
    TempDir dir;
    auto args = k.setup(dir.path());
    args.push_back("--json");
    const auto r = run(args, dir.path());
    if (k.name == "RestoreServerPortWithoutValue") {
        // "--port --json" makes --json the port's value: a different error (invalid port).
        EXPECT_EQ(r.status, 7) << r.out;
        EXPECT_FALSE(contains(r.out, "PRIVATE KEY"));
        return;
    }
    check_document(k, r);
}

INSTANTIATE_TEST_SUITE_P(Command, JsonOutput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<JsonCase>& p) { return p.param.name; });

TEST(JsonContent, RestoreServerReportsTheWriteAndTheBackup) {
    TempDir dir;
    const auto image = copy_to(kFieldFailure, dir.path(), "u.dct");
    const auto r = run({"--json", "restore-server", "--file", image.string(), "--pem", kServerPub.string(), "--host",
                        "cloud.example.com", "--port", "5683"},
                       dir.path());
    ASSERT_EQ(r.status, 0) << r.out;
    const auto doc = json::parse(r.out);
    const auto& res = doc["result"];
    EXPECT_EQ(res["slot"], "tcp");
    EXPECT_EQ(res["block_offset"], 2082);
    EXPECT_EQ(res["block_size"], 512);
    EXPECT_EQ(res["host"], "cloud.example.com");
    EXPECT_EQ(res["port"], 5683);
    EXPECT_EQ(res["key_sha256"], keys::fingerprint(keys::load_key_file(kServerPub)));
    EXPECT_EQ(res["write"]["written"], true);
    EXPECT_EQ(res["write"]["verified"], true);
    EXPECT_EQ(res["write"]["write_offset"], 2082);
    EXPECT_EQ(res["write"]["write_length"], 512);
    ASSERT_TRUE(res["write"]["backup"].is_string());
    EXPECT_TRUE(fs::exists(res["write"]["backup"].get<std::string>()));
}

TEST(JsonContent, WarningsGoIntoTheDocument) {
    TempDir dir;
    const auto image = copy_to(kFieldFailure, dir.path(), "u.dct");
    write_text(dir / "k.pem", keys::generate_rsa(2048).private_pem());
    const auto r = run({"--json", "restore-server", "--file", image.string(), "--pem", (dir / "k.pem").string(),
                        "--host", "cloud.example.com"},
                       dir.path());
    ASSERT_EQ(r.status, 0) << r.out;
    const auto doc = json::parse(r.out);
    ASSERT_EQ(doc["warnings"].size(), 1u) << r.out;
    EXPECT_TRUE(contains(doc["warnings"][0].get<std::string>(), "private key"));
}

TEST(JsonContent, InspectReportsTheBlankAddressFinding) {
    const auto r = run({"--json", "inspect", "--file", kFieldFailure.string()});
    ASSERT_EQ(r.status, 11);
    const auto doc = json::parse(r.out);
    EXPECT_TRUE(doc["ok"].get<bool>());
    EXPECT_TRUE(doc["result"]["has_errors"].get<bool>());
    EXPECT_EQ(doc["result"]["platform"], "photon");
    bool found = false;
    for (const auto& f : doc["result"]["findings"])
        if (f["severity"] == "error" &&
            contains(f["consequence"].get<std::string>() + f["message"].get<std::string>(), "device.spark.io"))
            found = true;
    EXPECT_TRUE(found) << doc["result"]["findings"].dump(2);
    EXPECT_EQ(doc["result"]["image_sha256"], sha256_file(kFieldFailure));
}

// The device key never reaches stdout in any mode, including human-readable output.
TEST(PrivateKeyMaterial, NeverOnStdoutInTextMode) {
    TempDir dir;
    fs::create_directory(dir / "keys");
    const std::vector<std::vector<std::string>> commands = {
        {"inspect", "--file", kProvisioned.string(), "--raw", "device_private_key"},
        {"export-public-key", "--file", kProvisioned.string()},
        {"restore-device-key", "--file", copy_to(kErasedDeviceKey, dir.path(), "a.dct").string(), "--pem",
         kDeviceKey.string()},
        {"new-device-key", "--file", copy_to(kProvisioned, dir.path(), "b.dct").string(), "--out-dir",
         (dir / "keys").string()},
    };
    for (const auto& args : commands) {
        const auto r = run(args, dir.path());
        EXPECT_TRUE(r.status == 0 || r.status == 11 || r.status == 7) << args[0] << ": " << r.err;
        EXPECT_FALSE(contains(r.out, "PRIVATE KEY")) << args[0] << ":\n" << r.out;
        EXPECT_FALSE(contains(r.err, "PRIVATE KEY")) << args[0] << ":\n" << r.err;
    }
}

} // namespace
