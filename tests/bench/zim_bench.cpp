/* SPDX-License-Identifier: BSD-2-Clause */
// zim_bench: the libzim side of `make bench` (driven by tests/bench/peers.sh).
//
//   zim_bench write   CORPUS_DIR OUT.zim   pack every file of CORPUS_DIR, in key order
//   zim_bench fetch   OUT.zim KEYS_FILE    fetch each key of KEYS_FILE, in file order
//   zim_bench iterate OUT.zim              read every item in storage (cluster) order
//   zim_bench noop                         nothing: the process baseline for peak RSS
//
// Every subcommand prints one line of `name=value` fields, ending with
// peak_rss_bytes (getrusage ru_maxrss), so the script can pick what it needs.
// Timings cover only the work being measured: the fetch loop excludes opening
// the archive and reading KEYS_FILE; the iterate loop excludes the open too.
//
// Build: g++ -O2 -std=c++17 zim_bench.cpp $(pkg-config --cflags --libs libzim)

#include <zim/archive.h>
#include <zim/entry.h>
#include <zim/item.h>
#include <zim/writer/creator.h>
#include <zim/writer/item.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident set size of this process so far. Linux reports ru_maxrss in KiB.
long long peak_rss_bytes()
{
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<long long>(usage.ru_maxrss) * 1024;
}

int usage()
{
    std::fprintf(stderr,
                 "usage: zim_bench write CORPUS_DIR OUT.zim\n"
                 "       zim_bench fetch OUT.zim KEYS_FILE\n"
                 "       zim_bench iterate OUT.zim\n"
                 "       zim_bench noop\n");
    return 2;
}

// Relative paths of every regular file under root, sorted bytewise, so that
// the creator fills its clusters in key order (libzim clusters items in the
// order they are added; only the directory is sorted by path afterwards).
std::vector<std::string> sorted_keys(const fs::path& root)
{
    std::vector<std::string> keys;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.is_regular_file())
            keys.push_back(entry.path().lexically_relative(root).generic_string());
    }
    // std::string compares through char_traits<char>, which orders bytes as
    // unsigned char: the same order as `LC_ALL=C sort` and memcmp.
    std::sort(keys.begin(), keys.end());
    return keys;
}

int cmd_write(const fs::path& corpus, const std::string& out)
{
    const std::vector<std::string> keys = sorted_keys(corpus);

    zim::writer::Creator creator;
    creator.configClusterSize(2 * 1024 * 1024)
        .configCompression(zim::Compression::Zstd)
        .configIndexing(false, "eng");
    // Worker count stays libzim's default: it only parallelises cluster
    // compression, and the archive bytes do not depend on it.

    const auto start = Clock::now();
    creator.startZimCreation(out);
    // Articles are plain text without titles: no title index entry wanted,
    // and text/* is compressible anyway; say both so libzim does not guess.
    const zim::writer::Hints hints{{zim::writer::COMPRESS, 1},
                                   {zim::writer::FRONT_ARTICLE, 0}};
    std::uint64_t bytes = 0;
    for (const std::string& key : keys) {
        const fs::path file = corpus / key;
        bytes += fs::file_size(file);
        // FileItem reads the file only when its cluster is filled, so the
        // whole corpus is never held in memory at once.
        creator.addItem(std::make_shared<zim::writer::FileItem>(
            key, "text/plain", "", hints, file.string()));
    }
    // A reader such as kiwix expects these; they cost a few hundred bytes.
    creator.addMetadata("Title", "tome bench corpus");
    creator.addMetadata("Description", "Benchmark corpus packed by zim_bench");
    creator.addMetadata("Language", "eng");
    creator.addMetadata("Creator", "tome bench");
    creator.addMetadata("Publisher", "tome bench");
    creator.addMetadata("Name", "tome_bench_corpus");
    creator.addMetadata("Date", "2000-01-01");
    creator.finishZimCreation();
    const double secs = seconds_since(start);

    std::printf("items=%zu article_bytes=%llu seconds=%.6f peak_rss_bytes=%lld\n",
                keys.size(), static_cast<unsigned long long>(bytes), secs,
                peak_rss_bytes());
    return 0;
}

int cmd_fetch(const std::string& zim_path, const std::string& keys_path)
{
    std::vector<std::string> keys;
    {
        std::ifstream in(keys_path);
        if (!in) {
            std::fprintf(stderr, "zim_bench: cannot read %s\n", keys_path.c_str());
            return 1;
        }
        for (std::string line; std::getline(in, line);) {
            if (!line.empty())
                keys.push_back(line);
        }
    }
    if (keys.empty()) {
        std::fprintf(stderr, "zim_bench: %s holds no keys\n", keys_path.c_str());
        return 1;
    }

    zim::Archive archive(zim_path);

    std::uint64_t bytes = 0;
    unsigned checksum = 0;
    const auto start = Clock::now();
    for (const std::string& key : keys) {
        const zim::Blob data = archive.getEntryByPath(key).getItem().getData();
        bytes += data.size();
        // Read the first and last byte so the data is really there, not just
        // a size from the directory entry.
        if (data.size() > 0)
            checksum += static_cast<unsigned char>(data.data()[0]) +
                        static_cast<unsigned char>(data.data()[data.size() - 1]);
    }
    const double secs = seconds_since(start);

    std::printf("fetches=%zu bytes=%llu checksum=%u seconds=%.6f fetch_per_second=%.1f "
                "peak_rss_bytes=%lld\n",
                keys.size(), static_cast<unsigned long long>(bytes), checksum, secs,
                keys.size() / secs, peak_rss_bytes());
    return 0;
}

int cmd_iterate(const std::string& zim_path)
{
    zim::Archive archive(zim_path);

    std::uint64_t items = 0;
    std::uint64_t bytes = 0;
    unsigned checksum = 0;
    const auto start = Clock::now();
    for (const zim::Entry& entry : archive.iterEfficient()) {
        if (entry.isRedirect())
            continue;
        const zim::Blob data = entry.getItem().getData();
        items += 1;
        bytes += data.size();
        if (data.size() > 0)
            checksum += static_cast<unsigned char>(data.data()[0]) +
                        static_cast<unsigned char>(data.data()[data.size() - 1]);
    }
    const double secs = seconds_since(start);

    // MB = 10^6 bytes of article content (decompressed), as the bench reports it.
    std::printf("items=%llu bytes=%llu checksum=%u seconds=%.6f MB_per_second=%.1f "
                "peak_rss_bytes=%lld\n",
                static_cast<unsigned long long>(items), static_cast<unsigned long long>(bytes),
                checksum, secs, bytes / 1e6 / secs, peak_rss_bytes());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage();
    const std::string cmd = argv[1];
    try {
        if (cmd == "write" && argc == 4)
            return cmd_write(argv[2], argv[3]);
        if (cmd == "fetch" && argc == 4)
            return cmd_fetch(argv[2], argv[3]);
        if (cmd == "iterate" && argc == 3)
            return cmd_iterate(argv[2]);
        if (cmd == "noop" && argc == 2) {
            std::printf("peak_rss_bytes=%lld\n", peak_rss_bytes());
            return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "zim_bench %s: %s\n", cmd.c_str(), e.what());
        return 1;
    }
    return usage();
}
