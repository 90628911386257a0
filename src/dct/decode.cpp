#include "photon_dct/dct/decode.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "photon_dct/dct/device_key.hpp"
#include "photon_dct/dct/known_keys.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::dct {

std::vector<Finding> diagnose(const DctReport& report, const DecodeOptions& options); // diagnose.cpp

namespace {

constexpr std::size_t kTcpServerKeySize = 294;
constexpr std::size_t kUdpServerKeySize = 91;
constexpr std::size_t kAddressBlockSize = 128;
constexpr std::size_t kTcpDevicePublicKeyDerSize = 162;

bool all_equal(ByteView b, std::uint8_t v) {
    return std::all_of(b.begin(), b.end(), [v](auto x) { return x == v; });
}

// The bytes [offset, offset+size) when the image holds all of them.
std::optional<ByteView> region(ByteView image, std::uint32_t offset, std::uint32_t size) {
    if (std::size_t{offset} + size > image.size()) return std::nullopt;
    return image.subspan(offset, size);
}

// The DER key at the start of `bytes`, cut to its own length, if it parses with `parse`.
template <typename Parse>
std::optional<keys::Key> parse_leading_der(ByteView bytes, Parse parse, std::size_t* der_length) {
    const auto len = keys::der_sequence_length(bytes);
    if (!len) return std::nullopt;
    *der_length = *len;
    return parse(bytes.first(*len));
}

ServerKeyInfo decode_server_key(Slot slot, ByteView key_area) {
    ServerKeyInfo info;
    const std::size_t expected = slot == Slot::Tcp ? kTcpServerKeySize : kUdpServerKeySize;
    // The firmware's only check is the first byte (docs/dct-format.md 4.2).
    if (key_area[0] == 0xFF) {
        info.state = KeyState::Blank;
        return info;
    }
    if (all_equal(key_area.first(expected), 0x00)) {
        info.state = KeyState::Zero;
        info.firmware_problem = "all zero bytes";
        return info;
    }
    const auto key = parse_leading_der(key_area, keys::parse_spki_der, &info.der_length);
    if (!key) {
        info.state = KeyState::Garbage;
        info.firmware_problem = "not a DER public key";
        return info;
    }
    info.state = KeyState::Valid;
    info.algorithm = key->algorithm_name();
    info.fingerprint = keys::sha256_hex(key_area.first(info.der_length));
    try {
        const Bytes wanted = server_key_der_for_slot(slot, *key);
        if (!std::equal(wanted.begin(), wanted.end(), key_area.begin()))
            info.firmware_problem = "DER encoding differs from the layout the device reads";
    } catch (const Error& e) {
        info.firmware_problem = e.what();
    }
    info.firmware_usable = info.firmware_problem.empty();
    const auto& particle = slot == Slot::Tcp ? particle_tcp_server_key() : particle_udp_server_key();
    info.particle_production = info.fingerprint == keys::fingerprint(particle);
    return info;
}

bool is_particle_host(std::string_view host) {
    auto ends_with = [&](std::string_view s) {
        return host.size() >= s.size() && host.substr(host.size() - s.size()) == s;
    };
    return host == "device.spark.io" || ends_with(".particle.io") || ends_with(".spark.io");
}

std::string expand_id(std::string host, const std::optional<std::string>& device_id, OsRange range) {
    const auto pos = host.find("$id");
    if (pos == std::string::npos) return host;
    std::string id = device_id.value_or("<device-id>");
    if (range == OsRange::From2x) id += ".v2";
    if (range == OsRange::From3x) id += ".v3";
    return host.replace(pos, 3, id);
}

ConnectionTarget connection_target(const SlotLayout& slot, const DecodedAddress& a, OsRange range,
                                   const std::optional<std::string>& device_id) {
    ConnectionTarget t;
    t.os_range = range;
    const bool udp = slot.kind == Slot::Udp;
    if (a.type == AddressType::Invalid) {
        // 0.7.0-1.0.x restore the backup address only for type 0xFF; 1.1.0+ for any invalid type.
        const bool restores_backup =
            range != OsRange::UpTo06x && (range != OsRange::From070To10x || a.type_byte == 0xFF);
        if (!restores_backup && udp) {
            t.reason = fmt::format("address type {} is invalid and this version has no UDP fallback: no connection",
                                   a.type_byte);
            return t;
        }
        t.connects = true;
        t.host = expand_id(std::string(slot.default_host), device_id, range);
        t.port = slot.default_port;
        t.reason = restores_backup ? fmt::format("address type {} is invalid: the firmware substitutes {} in RAM",
                                                 a.type_byte, slot.default_host)
                                   : fmt::format("address type {} is invalid: the firmware defaults to {}", a.type_byte,
                                                 slot.default_host);
    } else {
        t.host = a.type == AddressType::Domain ? expand_id(a.host, device_id, range) : a.host;
        t.connects = !t.host.empty();
        t.port = a.port_is_default ? slot.default_port : a.raw_port;
        t.reason = a.port_is_default ? "stored address, default port" : "stored address and port";
        if (!t.connects) t.reason = "empty host name: the name lookup fails";
        const bool ignores_udp_port = range != OsRange::UpTo06x && range != OsRange::From070To10x;
        if (udp && ignores_udp_port && !a.port_is_default && a.raw_port != slot.default_port) {
            t.port = slot.default_port;
            t.reason = fmt::format("stored address; Device OS 1.1.0+ ignores the stored UDP port {} and uses {}",
                                   a.raw_port, slot.default_port);
        }
    }
    t.particle_cloud = t.connects && is_particle_host(t.host);
    return t;
}

} // namespace

std::optional<keys::Key> stored_device_private_key(const SlotLayout& slot, ByteView image, DeviceKeyInfo& info) {
    const auto area = region(image, slot.device_private_key_offset, slot.device_private_key_size);
    info.state = KeyState::Absent;
    if (!area) return std::nullopt;
    const bool tcp = slot.kind == Slot::Tcp;
    // The firmware's only "missing key" test is the first byte (docs/dct-format.md 5.4).
    if ((*area)[0] == 0xFF) {
        info.state = KeyState::Blank;
        return std::nullopt;
    }
    if (all_equal(*area, 0x00)) {
        info.state = KeyState::Zero;
        info.problem = "all zero bytes";
        return std::nullopt;
    }
    auto key = parse_leading_der(*area, tcp ? keys::parse_rsa_private_pkcs1_der : keys::parse_ec_private_sec1_der,
                                 &info.der_length);
    if (!key) {
        info.state = KeyState::Garbage;
        info.problem = looks_like_pkcs8(*area)
                           ? "PKCS#8 PrivateKeyInfo (OpenSSL 3's default DER), which Device OS cannot read"
                           : (tcp ? "not a PKCS#1 RSA private key" : "not a SEC1 EC private key");
        return std::nullopt;
    }
    info.state = KeyState::Valid;
    return key;
}

namespace {

DeviceKeyInfo decode_device_key(const SlotLayout& slot, ByteView image) {
    DeviceKeyInfo info;
    const auto priv_area = region(image, slot.device_private_key_offset, slot.device_private_key_size);
    if (!priv_area) return info;
    const bool tcp = slot.kind == Slot::Tcp;
    const std::optional<keys::Key> key = stored_device_private_key(slot, image, info);
    if (key) {
        info.algorithm = key->algorithm_name();
        info.public_fingerprint = keys::fingerprint(*key);
        if (tcp) {
            if (key->bits() != 1024)
                info.problem = fmt::format("{}: the TCP slot needs RSA-1024", info.algorithm);
            else if (auto p = keys::firmware_rsa_layout_problem(priv_area->first(info.der_length)))
                info.problem = *p;
        } else if (key->curve() != "prime256v1") {
            info.problem = fmt::format("{}: the UDP slot needs EC P-256", info.algorithm);
        }
        info.firmware_parser_ok = info.problem.empty();
    }

    const auto pub_area = region(image, slot.device_public_key_offset, slot.device_public_key_size);
    if (!pub_area) return info;
    ByteView pub_der = *pub_area;
    if (!tcp && (*pub_area)[0] == 0x00) {
        // 0.8.0+ firmware right-aligns the 91-byte SPKI in the 128-byte field (docs/dct-format.md 5.3).
        const auto first = std::find_if(pub_area->begin(), pub_area->end(), [](auto b) { return b != 0x00; });
        pub_der = pub_area->subspan(static_cast<std::size_t>(first - pub_area->begin()));
        info.public_key_alignment = "right";
    } else if (!tcp) {
        info.public_key_alignment = "left";
    }
    if ((*pub_area)[0] == 0xFF || pub_der.empty()) {
        info.public_key = PublicKeyState::Blank;
        info.public_key_alignment.clear();
        return info;
    }
    std::size_t pub_len = 0;
    const auto pub = parse_leading_der(pub_der, keys::parse_spki_der, &pub_len);
    if (!pub)
        info.public_key = PublicKeyState::Garbage;
    else if (!key)
        info.public_key = PublicKeyState::NoPrivateKey;
    else
        info.public_key = pub->same_public_key(*key) ? PublicKeyState::Matches : PublicKeyState::Mismatch;
    if (tcp && pub && pub_len != kTcpDevicePublicKeyDerSize) info.public_key = PublicKeyState::Garbage;
    return info;
}

SlotInfo decode_slot(const SlotLayout& slot, bool used, ByteView image, const std::vector<OsRange>& ranges,
                     const std::optional<std::string>& device_id) {
    SlotInfo s;
    s.slot = slot.kind;
    s.used = used;
    if (const auto key_area = region(image, slot.server_block_offset, slot.address_offset))
        s.server_key = decode_server_key(slot.kind, *key_area);
    if (const auto addr = region(image, slot.server_block_offset + slot.address_offset, kAddressBlockSize)) {
        s.address_present = true;
        s.address = decode_address(*addr);
        for (OsRange r : ranges) s.targets.push_back(connection_target(slot, s.address, r, device_id));
    }
    s.device_key = decode_device_key(slot, image);
    return s;
}

// The stored bytes of a text field up to its 0x00/0xFF terminator, unchanged: renderers escape them
// (photon_dct::escape_text) so the reader sees what the DCT holds.
std::optional<std::string> stored_text(ByteView b, bool length_prefixed) {
    if (b.empty() || b[0] == 0xFF) return std::nullopt;
    std::size_t begin = 0;
    std::size_t end = b.size();
    if (length_prefixed) {
        begin = 1;
        end = std::min<std::size_t>(b.size(), 1 + std::size_t{b[0]});
    }
    std::string s;
    for (std::size_t i = begin; i < end && b[i] != 0x00 && b[i] != 0xFF; ++i) s.push_back(static_cast<char>(b[i]));
    if (s.empty()) return std::nullopt;
    return s;
}

OtherFields decode_other_fields(const Platform& p, ByteView image) {
    OtherFields f;
    auto field = [&](std::string_view name) { return field_bytes(p, image, name); };
    f.device_id = stored_device_id(p, image);
    if (auto b = field("claim_code")) f.claim_code = stored_text(*b, false);
    if (auto b = field("claimed")) f.claimed = (*b)[0] == '1';
    if (auto b = field("product_store")) {
        const auto u16 = [&](std::size_t i) { return static_cast<std::uint16_t>((*b)[i] | (*b)[i + 1] << 8); };
        if (u16(0) != 0xFFFF) f.product_id = u16(0);
        if (u16(2) != 0xFFFF) f.product_version = u16(2);
    }
    if (auto b = field("cloud_transport")) f.cloud_transport_byte = (*b)[0];
    if (auto b = field("ota_update_flag")) f.ota_update_flag = (*b)[0];
    if (auto b = field("antenna_selection")) f.antenna_selection = (*b)[0];
    if (auto b = field("ssid_prefix")) f.ssid_prefix = stored_text(*b, true);
    if (auto b = field("device_code")) f.device_code = stored_text(*b, false);
    return f;
}

} // namespace

std::string_view os_range_name(OsRange r) {
    switch (r) {
    case OsRange::UpTo06x:
        return "0.6.x and earlier";
    case OsRange::From070To10x:
        return "0.7.0 to 1.0.x";
    case OsRange::From110To15x:
        return "1.1.0 to 1.5.x";
    case OsRange::From2x:
        return "2.x";
    case OsRange::From3x:
        return "3.x";
    }
    return "?";
}

OsRange parse_os_version(std::string_view text, std::string_view source) {
    unsigned major = 0, minor = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    auto r1 = std::from_chars(p, end, major);
    bool ok = r1.ec == std::errc{} && r1.ptr < end && *r1.ptr == '.';
    if (ok) ok = std::from_chars(r1.ptr + 1, end, minor).ec == std::errc{};
    if (!ok)
        throw Error(ErrorKind::InvalidInput, fmt::format("{} '{}': not a version number", source, text),
                    "give the Device OS version as MAJOR.MINOR[.PATCH], e.g. 0.6.3 or 1.5.2");
    if (major == 0 && minor <= 6) return OsRange::UpTo06x;
    if (major == 0 || (major == 1 && minor == 0)) return OsRange::From070To10x;
    if (major == 1) return OsRange::From110To15x;
    return major == 2 ? OsRange::From2x : OsRange::From3x;
}

std::string_view key_state_name(KeyState s) {
    switch (s) {
    case KeyState::Absent:
        return "absent";
    case KeyState::Blank:
        return "blank";
    case KeyState::Zero:
        return "zero";
    case KeyState::Valid:
        return "valid";
    case KeyState::Garbage:
        return "garbage";
    }
    return "?";
}

std::string_view public_key_state_name(PublicKeyState s) {
    switch (s) {
    case PublicKeyState::Absent:
        return "absent";
    case PublicKeyState::Blank:
        return "blank";
    case PublicKeyState::Matches:
        return "matches";
    case PublicKeyState::Mismatch:
        return "mismatch";
    case PublicKeyState::Garbage:
        return "garbage";
    case PublicKeyState::NoPrivateKey:
        return "no-private-key";
    }
    return "?";
}

std::string_view severity_name(Severity s) {
    switch (s) {
    case Severity::Error:
        return "error";
    case Severity::Warning:
        return "warning";
    case Severity::Info:
        return "info";
    }
    return "?";
}

bool DctReport::has_errors() const {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.severity == Severity::Error; });
}

std::optional<std::string> stored_device_id(const Platform& platform, ByteView image) {
    const auto b = field_bytes(platform, image, "device_id");
    if (!b || (*b)[0] == 0xFF || all_equal(*b, 0x00)) return std::nullopt;
    return to_hex(*b);
}

Slot active_slot(const Platform& platform, ByteView image) {
    if (!platform.has_udp_slot) return Slot::Tcp;
    const auto b = field_bytes(platform, image, "cloud_transport");
    return !b || (*b)[0] == kCloudTransportUdp ? Slot::Udp : Slot::Tcp;
}

std::optional<ByteView> field_bytes(const Platform& platform, ByteView image, std::string_view field_name) {
    const auto& f = platform.field(field_name);
    return region(image, f.offset, f.size);
}

DctReport decode_dct(const Platform& platform, ByteView image, const DecodeOptions& options) {
    if (image.size() < kAppDctSizeV060 || image.size() > kDfuWindowSize)
        throw Error(
            ErrorKind::InvalidInput,
            fmt::format("DCT image is {} bytes; expected {} (a Device OS 0.6.x DCT) to {} (the whole DFU window)",
                        image.size(), kAppDctSizeV060, kDfuWindowSize),
            "dump the whole DCT (a backup, or `dfu-util -a 1 -s 0:16384 -U unit.dct`)");
    DctReport r;
    r.platform = &platform;
    r.image_size = image.size();
    r.all_zero = all_equal(image, 0x00);
    r.all_erased = all_equal(image, 0xFF);
    r.fields = decode_other_fields(platform, image);

    std::vector<OsRange> ranges;
    if (options.os_range)
        ranges = {*options.os_range};
    else
        ranges = {OsRange::UpTo06x, OsRange::From070To10x, OsRange::From110To15x, OsRange::From2x, OsRange::From3x};

    r.active_slot = active_slot(platform, image);
    r.tcp = decode_slot(platform.tcp, r.active_slot == Slot::Tcp, image, ranges, r.fields.device_id);
    if (platform.has_udp_slot)
        r.udp = decode_slot(platform.udp, r.active_slot == Slot::Udp, image, ranges, r.fields.device_id);
    r.findings = diagnose(r, options);
    return r;
}

} // namespace photon_dct::dct
