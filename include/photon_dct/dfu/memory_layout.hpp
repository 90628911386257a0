// DfuSe memory-layout strings, the iInterface string of every DfuSe alt setting:
//   @Name/0xSTART/NN*SSSKx[,NN*SSSKx…][/0xSTART2/…]
// e.g. the Photon's "@DCT Flash   /0x00000000/01*016Kg".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace photon_dct::dfu {

// Segment attribute bits (the type letter a–g minus 'a' plus 1, i.e. letter & 7).
inline constexpr std::uint8_t kMemReadable = 1;
inline constexpr std::uint8_t kMemErasable = 2;
inline constexpr std::uint8_t kMemWritable = 4;

// One NN*SSSKx group: `page_count` pages of `page_size` bytes starting at `start`.
struct MemorySegment {
    std::uint32_t start{0};
    std::uint32_t page_count{0};
    std::uint32_t page_size{0};
    std::uint8_t attributes{0}; // kMemReadable | kMemErasable | kMemWritable

    std::uint64_t size() const { return std::uint64_t{page_count} * page_size; }
    std::uint64_t end() const { return start + size(); } // one past the last byte
    bool readable() const { return (attributes & kMemReadable) != 0; }
    bool erasable() const { return (attributes & kMemErasable) != 0; }
    bool writable() const { return (attributes & kMemWritable) != 0; }
    bool contains(std::uint64_t address) const { return address >= start && address < end(); }
};

struct MemoryLayout {
    std::string name; // text between '@' and the first '/', trailing spaces removed
    std::vector<MemorySegment> segments;

    // The segment holding `address`, or nullptr.
    const MemorySegment* find(std::uint64_t address) const;
    // True when every byte of [address, address+length) lies in segments that all have
    // `required_attributes` (length 0 is always covered).
    bool covers(std::uint64_t address, std::uint64_t length, std::uint8_t required_attributes) const;
};

// Parses a DfuSe layout string. Letters a–g give the attribute bits; multipliers are B (1),
// K (1024), M (1048576), or a space (1, as in ST's "01*016 e"). Throws Error(DfuProtocol) naming
// the string when it is malformed (missing '@', '/', '0x', count, '*', size or type letter).
MemoryLayout parse_memory_layout(std::string_view text);

// The layout name of an alt string without parsing the segments ("DCT Flash" for
// "@DCT Flash   /0x…"), or nullopt when it does not look like a DfuSe layout.
std::optional<std::string> memory_layout_name(std::string_view text);

} // namespace photon_dct::dfu
