#include "io/kvstore/value_store.h"

#include "base/error.h"
#include "io/random_access.h"

#include <filesystem>
#include <optional>

namespace fs = std::filesystem;

namespace ckpt {

void ValueStore::put(const std::string &key, std::span<const std::byte> bytes)
{
    begin(key);
    append(bytes);
    finish();
}

void ValueStore::put(const std::string &key, const std::string &text)
{
    put(key, std::span<const std::byte>(reinterpret_cast<const std::byte *>(text.data()), text.size()));
}

namespace {

class FileValueStore final : public ValueStore {
public:
    explicit FileValueStore(std::string dir)
        : m_dir(std::move(dir))
    { }
    void begin(const std::string &key) override
    {
        const fs::path p = fs::path(m_dir) / key;
        std::error_code ec;
        fs::create_directories(p.parent_path(), ec);
        if (ec)
            fail(ErrorCategory::Io, "cannot create folder: " + ec.message(), p.parent_path().string());
        m_file = std::make_unique<AtomicFileWriter>(p.string(), false);
    }
    void append(std::span<const std::byte> bytes) override { m_file->write(bytes); }
    void finish() override
    {
        m_file->commit();
        m_file.reset();
    }
    void commit() override { }

private:
    std::string m_dir;
    std::unique_ptr<AtomicFileWriter> m_file;
};

class OcdbtValueStore final : public ValueStore {
public:
    OcdbtValueStore(std::string dir, uint64_t target, OcdbtWriteOptions options)
        : m_dir(std::move(dir))
        , m_target(target)
        , m_options(options)
    { }
    void begin(const std::string &key) override
    {
        m_key = key;
        m_pending.clear();
        m_outOfLine = false;
        m_length = 0;
    }
    void append(std::span<const std::byte> bytes) override
    {
        m_length += bytes.size();
        if (m_outOfLine) {
            m_data->write(bytes);
            return;
        }
        m_pending.insert(m_pending.end(), bytes.begin(), bytes.end());
        if (m_pending.size() > m_options.maxInlineValueBytes) {
            startDataValue();
            m_data->write(m_pending);
            m_pending.clear();
            m_pending.shrink_to_fit();
        }
    }
    void finish() override
    {
        OcdbtWriteEntry e;
        e.key = m_key;
        if (m_outOfLine)
            e.existing = OcdbtExistingValue{m_dataName, m_offset, m_length};
        else
            e.value = std::make_shared<MemoryBytes>(std::move(m_pending), m_key);
        m_entries.push_back(std::move(e));
        m_pending = {};
    }
    void commit() override
    {
        closeDataFile();
        writeOcdbtDatabase(m_dir, std::move(m_entries), m_options);
    }

private:
    void startDataValue()
    {
        if (m_data && m_target != 0 && m_data->written() >= m_target)
            closeDataFile();
        if (!m_data) {
            std::error_code ec;
            fs::create_directories(fs::path(m_dir) / "d", ec);
            if (ec)
                fail(ErrorCategory::Io, "cannot create folder: " + ec.message(), m_dir + "/d");
            m_dataName = "d/" + randomOcdbtFileName();
            m_data = std::make_unique<AtomicFileWriter>(m_dir + "/" + m_dataName, false);
        }
        m_outOfLine = true;
        m_offset = m_data->written();
    }
    void closeDataFile()
    {
        if (m_data) {
            m_data->commit();
            m_data.reset();
        }
    }

    std::string m_dir;
    uint64_t m_target;
    OcdbtWriteOptions m_options;
    std::vector<OcdbtWriteEntry> m_entries;
    std::unique_ptr<AtomicFileWriter> m_data;
    std::string m_dataName;
    std::string m_key;
    std::vector<std::byte> m_pending;
    bool m_outOfLine = false;
    uint64_t m_offset = 0;
    uint64_t m_length = 0;
};

} // namespace

std::unique_ptr<ValueStore> makeFileValueStore(std::string dir)
{
    return std::make_unique<FileValueStore>(std::move(dir));
}

std::unique_ptr<ValueStore> makeOcdbtValueStore(
    std::string dir, uint64_t targetDataFileBytes, OcdbtWriteOptions options)
{
    return std::make_unique<OcdbtValueStore>(std::move(dir), targetDataFileBytes, options);
}

} // namespace ckpt
