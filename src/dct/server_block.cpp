#include "photon_dct/dct/server_block.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "photon_dct/dct/known_keys.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::dct {
namespace {

constexpr std::size_t kAddressBlockSize = 128;
constexpr std::size_t kPortOffsetInAddress = 66;
constexpr std::size_t kMaxDomainLength = 63;       // firmware's own writer limit (docs/dct-format.md 3.3)
constexpr std::uint8_t kGen2MaxDomainLength = 126; // what the Gen 2 parser accepts

// The only TCP server key layout the handshake can use: it reads the modulus at offset 33 and
// assumes e = 65537 (docs/dct-format.md 4.1).
constexpr std::uint8_t kRsa2048SpkiPrefix[] = {0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                               0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01,
                                               0x0f, 0x00, 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00};
constexpr std::uint8_t kRsaExponentSuffix[] = {0x02, 0x03, 0x01, 0x00, 0x01};
constexpr std::size_t kTcpServerKeySize = 294;
constexpr std::size_t kUdpServerKeySize = 91;

// Names the source and the text, e.g. "--host 'a..b': empty label".
struct HostText {
    std::string_view text;
    std::string_view source;
};

[[noreturn]] void invalid_host(HostText host, const std::string& why, std::string hint) {
    throw Error(ErrorKind::InvalidInput, fmt::format("{} '{}': {}", host.source, host.text, why), std::move(hint));
}

bool is_digits_and_dots(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

Ipv4Host parse_ipv4(HostText host) {
    const std::string_view text = host.text;
    const std::string hint = "give four decimal numbers 0-255 separated by dots, e.g. 192.0.2.10, or a DNS name";
    Ipv4Host ip{};
    std::size_t part = 0;
    std::size_t pos = 0;
    while (true) {
        const std::size_t dot = text.find('.', pos);
        const std::string_view octet =
            text.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (part == 4) invalid_host(host, "an IPv4 address has exactly four parts", hint);
        if (octet.empty()) invalid_host(host, "empty part in IPv4 address", hint);
        if (octet.size() > 1 && octet[0] == '0')
            invalid_host(host, fmt::format("IPv4 part '{}' has a leading zero", octet), hint);
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(octet.data(), octet.data() + octet.size(), value);
        if (ec != std::errc{} || end != octet.data() + octet.size() || value > 255)
            invalid_host(host, fmt::format("IPv4 part '{}' is not a number from 0 to 255", octet), hint);
        ip.octets[part++] = static_cast<std::uint8_t>(value);
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    if (part != 4) invalid_host(host, fmt::format("an IPv4 address has exactly four parts, this has {}", part), hint);
    const auto& o = ip.octets;
    if (std::all_of(o.begin(), o.end(), [](auto b) { return b == 0; }))
        invalid_host(host, "0.0.0.0 is not a server address", hint);
    if (std::all_of(o.begin(), o.end(), [](auto b) { return b == 255; }))
        invalid_host(host, "255.255.255.255 is the broadcast address, not a server", hint);
    return ip;
}

DomainHost parse_domain(HostText host) {
    const std::string_view text = host.text;
    const std::string hint =
        "use a DNS name of at most 63 characters (letters, digits, hyphens and dots) or an IPv4 address";
    if (text.size() > kMaxDomainLength)
        invalid_host(host, fmt::format("{} characters; the device stores at most {}", text.size(), kMaxDomainLength),
                     hint);
    if (text.find(':') != std::string_view::npos)
        invalid_host(host, "IPv6 addresses and host:port are not supported by the device",
                     "give an IPv4 address or DNS name, and the port on its own");
    if (text.back() == '.') invalid_host(host, "trailing dot", "remove the trailing dot");
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t dot = std::min(text.find('.', pos), text.size());
        const std::string_view label = text.substr(pos, dot - pos);
        if (label.empty()) invalid_host(host, "empty label (two dots in a row, or a leading dot)", hint);
        for (char c : label) {
            const auto uc = static_cast<unsigned char>(c);
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                if (uc >= 0x80) invalid_host(host, "non-ASCII characters", "use the punycode (xn--) form of the name");
                invalid_host(host, fmt::format("character '{}' is not allowed in a DNS name", c), hint);
            }
        }
        if (label.front() == '-' || label.back() == '-')
            invalid_host(host, fmt::format("label '{}' starts or ends with a hyphen", label), hint);
        pos = dot + 1;
    }
    return DomainHost{std::string(text)};
}

} // namespace

std::string host_to_string(const Host& host) {
    if (const auto* ip = std::get_if<Ipv4Host>(&host))
        return fmt::format("{}.{}.{}.{}", ip->octets[0], ip->octets[1], ip->octets[2], ip->octets[3]);
    return std::get<DomainHost>(host).name;
}

Host parse_host(std::string_view text, std::string_view source) {
    const HostText host{text, source};
    if (text.empty())
        invalid_host(host, "empty host", "give the server's DNS name or IPv4 address, e.g. cloud.example.com");
    // particle-cli's rule: only digits and dots means an IP address.
    if (is_digits_and_dots(text)) return parse_ipv4(host);
    return parse_domain(host);
}

std::uint16_t parse_port(std::string_view text, std::string_view source) {
    const std::string hint = fmt::format(
        "give a port from 1 to 65534, or leave {} out for the firmware default (5683 TCP, 5684 UDP)", source);
    unsigned long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
        throw Error(ErrorKind::InvalidInput, fmt::format("{} '{}': not a decimal number", source, text), hint);
    if (value == 0 || value >= 65535)
        throw Error(
            ErrorKind::InvalidInput,
            fmt::format("{} {}: out of range; 0 and 65535 both mean \"default port\" on the device", source, text),
            hint);
    return static_cast<std::uint16_t>(value);
}

Bytes server_key_der_for_slot(Slot slot, const keys::Key& key) {
    if (slot == Slot::Tcp) {
        const std::string hint = "the TCP server key must be RSA-2048 with public exponent 65537 (e.g. your "
                                 "spark-server's default_key.pub.pem)";
        if (key.type() != keys::KeyType::Rsa || key.bits() != 2048)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("server key is {}, the TCP slot needs RSA-2048", key.algorithm_name()), hint);
        if (key.rsa_public_exponent() != 65537)
            throw Error(ErrorKind::InvalidInput,
                        "server key's public exponent is not 65537; the device's handshake assumes e = 65537", hint);
        Bytes der = key.spki_der();
        const bool layout_ok = der.size() == kTcpServerKeySize &&
                               std::equal(std::begin(kRsa2048SpkiPrefix), std::end(kRsa2048SpkiPrefix), der.begin()) &&
                               std::equal(std::begin(kRsaExponentSuffix), std::end(kRsaExponentSuffix),
                                          der.end() - static_cast<std::ptrdiff_t>(sizeof kRsaExponentSuffix));
        if (!layout_ok)
            throw Error(
                ErrorKind::InvalidInput,
                fmt::format("server key DER is {} bytes, not the 294-byte layout the device reads at fixed offsets",
                            der.size()),
                hint);
        return der;
    }
    if (key.type() != keys::KeyType::Ec || key.curve() != "prime256v1")
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("server key is {}, the UDP slot needs EC P-256 (prime256v1)", key.algorithm_name()),
                    "use the EC P-256 public key of your UDP cloud");
    Bytes der = key.spki_der();
    if (der.size() != kUdpServerKeySize)
        throw Error(ErrorKind::InvalidInput, fmt::format("EC server key DER is {} bytes, expected 91", der.size()),
                    "use an uncompressed P-256 public key");
    return der;
}

Bytes encode_server_block(const SlotLayout& slot, const ServerBlockRequest& request) {
    if (request.key_der.size() > slot.address_offset)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("server key DER is {} bytes; at most {} fit before the address", request.key_der.size(),
                                slot.address_offset));
    Bytes block(slot.server_block_size, 0xFF);
    std::copy(request.key_der.begin(), request.key_der.end(), block.begin());
    auto* tlv = block.data() + slot.address_offset;
    if (const auto* ip = std::get_if<Ipv4Host>(&request.host)) {
        tlv[0] = 0x00;
        tlv[1] = 4;
        std::copy(ip->octets.begin(), ip->octets.end(), tlv + 2);
    } else {
        const auto& name = std::get<DomainHost>(request.host).name;
        if (name.size() > kMaxDomainLength)
            throw Error(ErrorKind::InvalidInput, fmt::format("host name '{}' is longer than 63 characters", name));
        tlv[0] = 0x01;
        tlv[1] = static_cast<std::uint8_t>(name.size());
        std::copy(name.begin(), name.end(), tlv + 2);
    }
    if (request.port) {
        block[slot.port_offset] = static_cast<std::uint8_t>(*request.port >> 8);
        block[slot.port_offset + 1] = static_cast<std::uint8_t>(*request.port & 0xFF);
    }
    return block;
}

Bytes particle_cloud_server_block(const SlotLayout& slot) {
    const auto& key = slot.kind == Slot::Tcp ? particle_tcp_server_key() : particle_udp_server_key();
    const Bytes der = server_key_der_for_slot(slot.kind, key);
    Bytes block(slot.server_block_size, 0xFF);
    std::copy(der.begin(), der.end(), block.begin());
    // The firmware's restore: type "domain", the length, the name and its terminating NUL
    // (docs/dct-format.md 9.3); everything after it, the port included, stays 0xFF.
    const std::string_view host = slot.default_host;
    auto* tlv = block.data() + slot.address_offset;
    tlv[0] = 0x01;
    tlv[1] = static_cast<std::uint8_t>(host.size());
    std::copy(host.begin(), host.end(), tlv + 2);
    tlv[2 + host.size()] = 0x00;
    return block;
}

DecodedAddress decode_address(ByteView address) {
    DecodedAddress d;
    if (address.size() < kAddressBlockSize) return d; // callers pass whole blocks; short = invalid
    d.type_byte = address[0];
    d.length_byte = address[1];
    d.blank = std::all_of(address.begin(), address.begin() + kAddressBlockSize, [](auto b) { return b == 0xFF; });
    d.raw_port = static_cast<std::uint16_t>(address[kPortOffsetInAddress] << 8 | address[kPortOffsetInAddress + 1]);

    if (d.type_byte == 0x00) {
        d.type = AddressType::Ipv4;
        d.host = fmt::format("{}.{}.{}.{}", address[2], address[3], address[4], address[5]);
        d.ipv4_length_mismatch = d.length_byte != 4;
        const bool all0 = address[2] == 0 && address[3] == 0 && address[4] == 0 && address[5] == 0;
        const bool all1 = address[2] == 255 && address[3] == 255 && address[4] == 255 && address[5] == 255;
        if (d.ipv4_length_mismatch)
            d.strict_rule_broken = fmt::format("IPv4 length byte is {}, not 4", d.length_byte);
        else if (all0 || all1)
            d.strict_rule_broken = fmt::format("{} is not a usable server address", d.host);
    } else if (d.type_byte == 0x01 && d.length_byte <= kGen2MaxDomainLength) {
        d.type = AddressType::Domain;
        d.host.assign(reinterpret_cast<const char*>(address.data() + 2), d.length_byte);
        d.domain_overlaps_port = 2 + std::size_t{d.length_byte} > kPortOffsetInAddress;
        d.domain_has_unprintable =
            std::any_of(d.host.begin(), d.host.end(), [](char c) { return c < 0x21 || c > 0x7e; });
        if (d.length_byte == 0)
            d.strict_rule_broken = "empty host name";
        else if (d.length_byte > kMaxDomainLength)
            d.strict_rule_broken = fmt::format("host name is {} bytes, more than 63", d.length_byte);
        else if (d.domain_has_unprintable)
            d.strict_rule_broken = "host name has unprintable bytes";
    } else {
        d.type = AddressType::Invalid;
    }
    // The firmware reads the port only for a valid type; 0 and 0xFFFF mean "default".
    d.port_is_default = d.type == AddressType::Invalid || d.raw_port == 0 || d.raw_port == 0xFFFF;
    return d;
}

} // namespace photon_dct::dct
