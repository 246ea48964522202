#include "io/storage/s3_xml.h"

#include "base/error.h"
#include "io/storage/http_client.h"

#include <expat.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <functional>
#include <memory>

namespace ckpt {

namespace {

// Element path of the element being opened or closed, local names only, root first.
using XmlPath = std::vector<std::string>;
// A handler returns an error message to stop parsing, or nullopt to go on.
using StartHandler = std::function<std::optional<std::string>(const XmlPath &path)>;
using EndHandler = std::function<std::optional<std::string>(const XmlPath &path, std::string &text)>;

struct XmlFailure {
    std::string message;
    uint64_t byteOffset = 0;
};

// Streams `xml` through expat (namespace-aware; names reduced to their local part), handing each
// element's own text to onEnd. DOCTYPEs are refused, so no entity can be declared. Handlers run
// inside expat's C frames and must not throw; they report problems by returning a message.
class XmlWalker {
public:
    XmlWalker(StartHandler onStart, EndHandler onEnd)
        : m_onStart(std::move(onStart))
        , m_onEnd(std::move(onEnd))
    { }

    std::optional<XmlFailure> walk(std::string_view xml)
    {
        std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(
            XML_ParserCreateNS(nullptr, '|'), &XML_ParserFree);
        if (!parser)
            return XmlFailure{"out of memory creating an XML parser", 0};
        m_parser = parser.get();
        XML_SetUserData(m_parser, this);
        XML_SetElementHandler(m_parser, &XmlWalker::startElement, &XmlWalker::endElement);
        XML_SetCharacterDataHandler(m_parser, &XmlWalker::characters);
        XML_SetStartDoctypeDeclHandler(m_parser, &XmlWalker::doctype);

        constexpr size_t kChunk = size_t(1) << 30; // XML_Parse takes an int length
        size_t done = 0;
        do {
            const size_t n = std::min(kChunk, xml.size() - done);
            const bool last = done + n == xml.size();
            if (XML_Parse(m_parser, xml.data() + done, int(n), last ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
                const XML_Index index = XML_GetCurrentByteIndex(m_parser);
                std::string reason = m_stopReason ? *m_stopReason : XML_ErrorString(XML_GetErrorCode(m_parser));
                reason += " (line " + std::to_string(XML_GetCurrentLineNumber(m_parser)) + ", column "
                    + std::to_string(XML_GetCurrentColumnNumber(m_parser) + 1) + ")";
                return XmlFailure{std::move(reason), index < 0 ? uint64_t(done) : uint64_t(index)};
            }
            done += n;
        } while (done < xml.size());
        return std::nullopt;
    }

private:
    static std::string localName(const XML_Char *name)
    {
        std::string_view n(name);
        const size_t bar = n.rfind('|');
        return std::string(bar == std::string_view::npos ? n : n.substr(bar + 1));
    }

    void stop(std::string reason)
    {
        if (!m_stopReason)
            m_stopReason = std::move(reason);
        XML_StopParser(m_parser, XML_FALSE);
    }

    static void XMLCALL startElement(void *self, const XML_Char *name, const XML_Char **)
    {
        auto *w = static_cast<XmlWalker *>(self);
        try {
            w->m_path.push_back(localName(name));
            w->m_text.emplace_back();
            if (w->m_onStart)
                if (auto error = w->m_onStart(w->m_path))
                    w->stop(std::move(*error));
        } catch (...) {
            w->stop("out of memory");
        }
    }

    static void XMLCALL endElement(void *self, const XML_Char *)
    {
        auto *w = static_cast<XmlWalker *>(self);
        try {
            if (w->m_onEnd)
                if (auto error = w->m_onEnd(w->m_path, w->m_text.back()))
                    w->stop(std::move(*error));
            w->m_path.pop_back();
            w->m_text.pop_back();
        } catch (...) {
            w->stop("out of memory");
        }
    }

    static void XMLCALL characters(void *self, const XML_Char *s, int len)
    {
        auto *w = static_cast<XmlWalker *>(self);
        try {
            if (!w->m_text.empty())
                w->m_text.back().append(s, size_t(len));
        } catch (...) {
            w->stop("out of memory");
        }
    }

    static void XMLCALL doctype(void *self, const XML_Char *, const XML_Char *, const XML_Char *, int)
    {
        static_cast<XmlWalker *>(self)->stop("DOCTYPE declarations are not allowed");
    }

    StartHandler m_onStart;
    EndHandler m_onEnd;
    XML_Parser m_parser = nullptr;
    XmlPath m_path;
    std::vector<std::string> m_text; // own text of each open element
    std::optional<std::string> m_stopReason;
};

[[noreturn]] void failXml(const XmlFailure &f, const std::string &displayName)
{
    fail(ErrorCategory::Corrupt, "malformed S3 XML response: " + f.message, displayName, f.byteOffset);
}

StartHandler expectRoot(std::string root)
{
    return [root = std::move(root)](const XmlPath &path) -> std::optional<std::string> {
        if (path.size() == 1 && path[0] != root)
            return "expected <" + root + "> but the root element is <" + path[0] + ">";
        return std::nullopt;
    };
}

std::string_view trimXmlSpace(std::string_view s)
{
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::optional<uint64_t> parseUnsigned(std::string_view text)
{
    text = trimXmlSpace(text);
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<bool> parseXmlBool(std::string_view text)
{
    text = trimXmlSpace(text);
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
        [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; });
    if (lower == "true")
        return true;
    if (lower == "false")
        return false;
    return std::nullopt;
}

// S3's `encoding-type=url` form: %XY escapes, and '+' for a space.
std::optional<std::string> formDecode(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= s.size())
                return std::nullopt;
            const int hi = hexDigitValue(s[i + 1]);
            const int lo = hexDigitValue(s[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out += char(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool is(const XmlPath &path, std::initializer_list<std::string_view> names)
{
    return path.size() == names.size() && std::equal(path.begin(), path.end(), names.begin());
}

void escapeXmlText(std::string &out, std::string_view text)
{
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        default: out += c;
        }
    }
}

} // namespace

S3ListResult parseS3ListObjectsV2(std::string_view xml, const std::string &displayName)
{
    S3ListResult result;
    S3ObjectInfo current;
    bool haveKey = false;
    bool haveSize = false;
    bool urlEncoded = false;
    constexpr std::string_view kRoot = "ListBucketResult";

    auto onEnd = [&](const XmlPath &path, std::string &text) -> std::optional<std::string> {
        if (path.size() < 2 || path[0] != kRoot)
            return std::nullopt;
        const std::string &child = path[1];
        if (path.size() == 2) {
            if (child == "Contents") {
                if (!haveKey)
                    return std::string("<Contents> without <Key>");
                if (!haveSize)
                    return "<Contents> for key '" + current.key + "' without <Size>";
                result.objects.push_back(std::move(current));
                current = {};
                haveKey = haveSize = false;
            } else if (child == "IsTruncated") {
                const auto v = parseXmlBool(text);
                if (!v)
                    return std::string("<IsTruncated> is neither true nor false");
                result.isTruncated = *v;
            } else if (child == "NextContinuationToken") {
                result.nextContinuationToken = std::move(text);
            } else if (child == "KeyCount") {
                result.keyCount = parseUnsigned(text);
                if (!result.keyCount)
                    return std::string("<KeyCount> is not an unsigned integer");
            } else if (child == "EncodingType") {
                urlEncoded = trimXmlSpace(text) == "url";
            }
            return std::nullopt;
        }
        if (path.size() == 3 && child == "Contents") {
            if (path[2] == "Key") {
                current.key = std::move(text);
                haveKey = true;
            } else if (path[2] == "Size") {
                const auto size = parseUnsigned(text);
                if (!size)
                    return std::string("<Size> is not an unsigned integer");
                current.size = *size;
                haveSize = true;
            } else if (path[2] == "ETag") {
                current.etag = std::move(text);
            } else if (path[2] == "LastModified") {
                current.lastModified = std::string(trimXmlSpace(text));
            }
        } else if (is(path, {kRoot, "CommonPrefixes", "Prefix"})) {
            result.commonPrefixes.push_back(std::move(text));
        }
        return std::nullopt;
    };

    XmlWalker walker(expectRoot(std::string(kRoot)), onEnd);
    if (auto failure = walker.walk(xml))
        failXml(*failure, displayName);
    if (result.isTruncated && result.nextContinuationToken.empty())
        fail(ErrorCategory::Corrupt, "S3 listing is truncated but has no NextContinuationToken", displayName);
    if (urlEncoded) {
        auto decode = [&](std::string &s) {
            auto decoded = formDecode(s);
            if (!decoded)
                fail(ErrorCategory::Corrupt, "S3 listing with EncodingType url has a malformed percent escape",
                    displayName);
            s = std::move(*decoded);
        };
        for (S3ObjectInfo &o : result.objects)
            decode(o.key);
        for (std::string &p : result.commonPrefixes)
            decode(p);
    }
    return result;
}

std::optional<S3ErrorInfo> parseS3Error(std::string_view xml)
{
    S3ErrorInfo info;
    auto onEnd = [&](const XmlPath &path, std::string &text) -> std::optional<std::string> {
        if (is(path, {"Error", "Code"}))
            info.code = std::string(trimXmlSpace(text));
        else if (is(path, {"Error", "Message"}))
            info.message = std::move(text);
        else if (is(path, {"Error", "RequestId"}))
            info.requestId = std::string(trimXmlSpace(text));
        return std::nullopt;
    };
    XmlWalker walker(expectRoot("Error"), onEnd);
    if (walker.walk(xml) || info.code.empty())
        return std::nullopt;
    return info;
}

std::string parseS3InitiateMultipartUpload(std::string_view xml, const std::string &displayName)
{
    std::string uploadId;
    auto onEnd = [&](const XmlPath &path, std::string &text) -> std::optional<std::string> {
        if (is(path, {"InitiateMultipartUploadResult", "UploadId"}))
            uploadId = std::string(trimXmlSpace(text));
        return std::nullopt;
    };
    XmlWalker walker(expectRoot("InitiateMultipartUploadResult"), onEnd);
    if (auto failure = walker.walk(xml))
        failXml(*failure, displayName);
    if (uploadId.empty())
        fail(ErrorCategory::Corrupt, "InitiateMultipartUploadResult has no UploadId", displayName);
    return uploadId;
}

std::string buildS3CompleteMultipartUpload(const std::vector<S3CompletedPart> &parts)
{
    if (parts.empty())
        fail(ErrorCategory::InvalidArgument, "CompleteMultipartUpload needs at least one part");
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    int previous = 0;
    for (const S3CompletedPart &part : parts) {
        if (part.partNumber < 1 || part.partNumber > 10000 || part.partNumber <= previous)
            fail(ErrorCategory::InvalidArgument,
                "multipart part numbers must be strictly increasing within 1..10000 (got "
                    + std::to_string(part.partNumber) + " after " + std::to_string(previous) + ")");
        if (part.etag.empty()
            || std::any_of(part.etag.begin(), part.etag.end(), [](char c) { return uint8_t(c) < 0x20; }))
            fail(ErrorCategory::InvalidArgument,
                "multipart part " + std::to_string(part.partNumber) + " has an empty or malformed ETag");
        previous = part.partNumber;
        out += "<Part><PartNumber>" + std::to_string(part.partNumber) + "</PartNumber><ETag>";
        escapeXmlText(out, part.etag);
        out += "</ETag></Part>";
    }
    out += "</CompleteMultipartUpload>";
    return out;
}

} // namespace ckpt
