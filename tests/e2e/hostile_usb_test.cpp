// A hostile device (issue 8): USB serial, product and alt-setting names full of terminal escapes,
// CR/LF and bytes above 0x7f (photon-dct-emu --serial-string/--product-string/--alt-name), with
// hostile DCT strings too. Text output holds no byte below 0x20 except newline and no 0x7f; the
// device's bytes are still visible, escaped; --json stays one valid document.
#include "e2e_support.hpp"

namespace {

using namespace e2e;

// As typed for the emulator (C escapes): clear screen, retitle, forge an ERROR line, DEL, 0xFF.
const std::string kSerialEsc = "\\x1b[2J\\x1b]0;owned\\x07\\r\\nERROR forged\\x7f\\xff";
const std::string kProductEsc = "Photon\\x1b[31m DFU\\r\\n";
const std::string kAlt0Esc = "@Internal\\x1b]0;x\\x07\\n";

::testing::AssertionResult terminal_safe(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if ((b < 0x20 && b != '\n') || b == 0x7f)
            return ::testing::AssertionFailure() << "byte " << unsigned{b} << " at " << i << " in:\n" << text;
    }
    return ::testing::AssertionSuccess();
}

EmuOptions hostile_device() {
    EmuOptions o;
    o.serial_string = kSerialEsc;
    o.product_string = kProductEsc;
    o.alt_names = {"0=" + kAlt0Esc};
    return o;
}

// The field-failure image with a hostile TCP host name (Photon TCP address block at 2082 + 384).
fs::path hostile_dct(const fs::path& dir) {
    Bytes image = read_file(kData / "field-failure-photon-0.6.3.dct");
    const std::string host = "\x1b]0;dct\x07\r\nERROR";
    image[2466] = 0x01;
    image[2467] = static_cast<std::uint8_t>(host.size());
    std::copy(host.begin(), host.end(), image.begin() + 2468);
    write_file(dir / "hostile.dct", image);
    return dir / "hostile.dct";
}

TEST(HostileUsb, ListShowsEscapedStrings) {
    TempDir work;
    const auto e = emu_run(hostile_device(), dct({"list"}), work.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(terminal_safe(e.r.out));
    EXPECT_TRUE(terminal_safe(e.r.err));
    // libusb's ASCII conversion makes 0xFF a '?'; the controls stay, escaped.
    EXPECT_NE(e.r.out.find("\\x1b[2J\\x1b]0;owned\\x07\\r\\nERROR forged\\x7f?"), std::string::npos) << e.r.out;
    EXPECT_NE(e.r.out.find("@Internal\\x1b]0;x\\x07\\n"), std::string::npos) << e.r.out;
    const auto j = emu_run(hostile_device(), dct({"--json", "list"}), work.path());
    const auto doc = parse_one_json(j.r.out);
    EXPECT_EQ(doc["exit_code"], j.r.exit_code);
    EXPECT_EQ(doc["result"]["devices"][0]["serial"], "\x1b[2J\x1b]0;owned\x07\r\nERROR forged\x7f?");
}

TEST(HostileUsb, InspectBackupAndRestoreServerEscapeUsbAndDctStrings) {
    TempDir work;
    const auto image = hostile_dct(work.path());
    auto o = hostile_device();
    o.dct = image;
    for (const auto& args : std::vector<std::vector<std::string>>{{"inspect"},
                                                                  {"backup"},
                                                                  {"restore-server", "--pem",
                                                                   (kData / "private-cloud-server.pub.pem").string(),
                                                                   "--host", "cloud.example.com"}}) {
        const auto e = emu_run(o, dct(args), work.path());
        EXPECT_TRUE(e.r.exit_code == 0 || e.r.exit_code == 11) << e.r.describe();
        EXPECT_TRUE(terminal_safe(e.r.out)) << args[0];
        EXPECT_TRUE(terminal_safe(e.r.err)) << args[0];
        // Every "Photon <serial> at usb ..." line shows the serial escaped.
        EXPECT_NE((e.r.out + e.r.err).find("\\x1b[2J\\x1b]0;owned"), std::string::npos) << e.r.describe();
        auto json_args = args;
        json_args.insert(json_args.begin(), "--json");
        const auto j = emu_run(o, dct(json_args), work.path());
        const auto doc = parse_one_json(j.r.out);
        EXPECT_EQ(doc["exit_code"], j.r.exit_code) << j.r.describe();
    }
}

TEST(HostileUsb, ErrorsNamingHostileUnitsAreEscaped) {
    TempDir work;
    auto two = hostile_device();
    two.devices = 2; // both report the same hostile serial: ambiguous
    const auto e = emu_run(two, dct({"inspect"}), work.path());
    EXPECT_EQ(e.r.exit_code, 3) << e.r.describe();
    EXPECT_TRUE(terminal_safe(e.r.err));
    EXPECT_EQ(std::count(e.r.err.begin(), e.r.err.end(), '\n'), 2) << e.r.err; // error: and hint: lines only
    auto no_dct_alt = hostile_device();
    no_dct_alt.alt_names.push_back("1=\\x1b[2JDCT\\r\\nFlash");
    const auto a = emu_run(no_dct_alt, dct({"inspect"}), work.path());
    EXPECT_NE(a.r.exit_code, 0) << a.r.describe();
    EXPECT_TRUE(terminal_safe(a.r.err));
    const auto j = emu_run(no_dct_alt, dct({"--json", "inspect"}), work.path());
    EXPECT_EQ(parse_one_json(j.r.out)["exit_code"], j.r.exit_code) << j.r.describe();
}

} // namespace
