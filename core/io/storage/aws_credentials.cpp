#include "io/storage/aws_credentials.h"

#include "base/error.h"
#include "io/storage/aws_sigv4.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace ckpt {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (isSpace(s.front()) || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (isSpace(s.back()) || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string toLower(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return out;
}

// One INI section: plain settings, and nested blocks such as `s3 =` followed by indented lines.
struct IniSection {
    std::map<std::string, std::string> values;
    std::map<std::string, std::map<std::string, std::string>> nested;

    std::optional<std::string> get(const std::string &key) const
    {
        const auto it = values.find(key);
        if (it == values.end() || it->second.empty())
            return std::nullopt;
        return it->second;
    }
    std::optional<std::string> getNested(const std::string &block, const std::string &key) const
    {
        const auto it = nested.find(block);
        if (it == nested.end())
            return std::nullopt;
        const auto value = it->second.find(key);
        if (value == it->second.end() || value->second.empty())
            return std::nullopt;
        return value->second;
    }
};

struct IniFile {
    std::string path;
    std::map<std::string, IniSection> sections; // by normalised name, e.g. "profile dev"

    const IniSection *find(const std::string &name) const
    {
        const auto it = sections.find(name);
        return it == sections.end() ? nullptr : &it->second;
    }
};

// "profile   dev" -> "profile dev"; other names are only trimmed.
std::string normaliseSectionName(std::string_view name)
{
    name = trim(name);
    for (std::string_view prefix :
        {std::string_view("profile"), std::string_view("services"), std::string_view("sso-session")}) {
        if (name.size() > prefix.size() && name.starts_with(prefix) && isSpace(name[prefix.size()]))
            return std::string(prefix) + " " + std::string(trim(name.substr(prefix.size())));
    }
    return std::string(name);
}

// Messages name the line, never its text: a malformed line may be a pasted secret.
[[noreturn]] void failLine(const std::string &path, size_t lineNo, size_t offset, const std::string &what)
{
    fail(ErrorCategory::InvalidArgument, "malformed AWS config file: line " + std::to_string(lineNo) + " " + what, path,
        offset);
}

// The AWS CLI's INI dialect: `[section]`, `key = value` ('=' only), full-line '#'/';' comments,
// indented lines after `key =` forming a nested block, indented lines after `key = value`
// continuing the value. Later duplicates win.
IniFile parseIni(std::string_view text, const std::string &path)
{
    IniFile file;
    file.path = path;
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);
    IniSection *section = nullptr;
    std::string lastKey; // key of the previous setting line in this section, if any
    bool lastKeyNested = false;
    size_t lineNo = 0;
    size_t offset = 0;
    while (offset <= text.size()) {
        const size_t lineStart = offset;
        size_t end = text.find('\n', offset);
        if (end == std::string_view::npos)
            end = text.size();
        const std::string_view line = text.substr(offset, end - offset);
        offset = end + 1;
        ++lineNo;
        const std::string_view stripped = trim(line);
        if (stripped.empty()) {
            lastKey.clear();
            continue;
        }
        if (stripped.front() == '#' || stripped.front() == ';')
            continue;
        const bool indented = isSpace(line.front());
        if (indented && section && !lastKey.empty()) {
            if (!lastKeyNested) {
                section->values[lastKey] += "\n" + std::string(stripped);
                continue;
            }
            const size_t eq = stripped.find('=');
            if (eq == std::string_view::npos)
                failLine(path, lineNo, lineStart, "in a nested block is not 'key = value'");
            const std::string key = toLower(trim(stripped.substr(0, eq)));
            if (key.empty())
                failLine(path, lineNo, lineStart, "has an empty key");
            section->nested[lastKey][key] = std::string(trim(stripped.substr(eq + 1)));
            continue;
        }
        if (stripped.front() == '[') {
            if (stripped.back() != ']')
                failLine(path, lineNo, lineStart, "starts a [section] header without the closing ']'");
            const std::string name = normaliseSectionName(stripped.substr(1, stripped.size() - 2));
            if (name.empty())
                failLine(path, lineNo, lineStart, "is a [section] header without a name");
            section = &file.sections[name];
            lastKey.clear();
            continue;
        }
        const size_t eq = stripped.find('=');
        if (eq == std::string_view::npos)
            failLine(path, lineNo, lineStart, "is neither a [section], a comment nor 'key = value'");
        if (!section)
            failLine(path, lineNo, lineStart, "is a setting before the first [section]");
        const std::string key = toLower(trim(stripped.substr(0, eq)));
        if (key.empty())
            failLine(path, lineNo, lineStart, "has an empty key");
        const std::string value(trim(stripped.substr(eq + 1)));
        section->values[key] = value;
        lastKey = key;
        lastKeyNested = value.empty();
    }
    return file;
}

// nullopt when the file does not exist.
std::optional<IniFile> readIni(const std::string &path)
{
    std::error_code ec;
    const std::filesystem::path p(path);
    if (!std::filesystem::exists(p, ec))
        return std::nullopt;
    if (std::filesystem::is_directory(p, ec))
        fail(ErrorCategory::Io, "AWS config path is a directory, not a file", path);
    std::ifstream in(p, std::ios::binary);
    if (!in)
        fail(ErrorCategory::Io, "cannot open AWS config file", path);
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad())
        fail(ErrorCategory::Io, "cannot read AWS config file", path);
    return parseIni(contents.str(), path);
}

std::optional<std::string> lookup(const EnvLookup &env, const char *name)
{
    std::optional<std::string> value = env(name);
    if (!value || value->empty())
        return std::nullopt;
    return value;
}

// Boolean settings: true/false/1/0/yes/no in any case; anything else is an error, not "false".
bool parseBool(const std::string &value, const std::string &what, const std::string &file = {})
{
    const std::string v = toLower(trim(value));
    if (v == "true" || v == "1" || v == "yes")
        return true;
    if (v == "false" || v == "0" || v == "no")
        return false;
    fail(ErrorCategory::InvalidArgument, what + " must be true or false", file);
}

std::string expandHome(const std::string &path, const std::optional<std::string> &home)
{
    if (home && (path == "~" || path.starts_with("~/")))
        return *home + path.substr(1);
    return path;
}

std::string profileSource(const std::string &profile, const std::string &path)
{
    return "profile '" + profile + "' in " + path;
}

const IniSection *configProfileSection(const IniFile &config, const std::string &profile)
{
    if (const IniSection *s = config.find("profile " + profile))
        return s;
    return profile == "default" ? config.find("default") : nullptr;
}

std::optional<AwsCredentials> credentialsFromSection(
    const IniSection *section, const std::string &profile, const std::string &path)
{
    if (!section)
        return std::nullopt;
    auto keyId = section->get("aws_access_key_id");
    auto secret = section->get("aws_secret_access_key");
    if (!keyId && !secret)
        return std::nullopt;
    if (!keyId || !secret)
        fail(ErrorCategory::InvalidArgument,
            profileSource(profile, path) + " has "
                + (keyId ? "aws_access_key_id but no aws_secret_access_key"
                         : "aws_secret_access_key but no aws_access_key_id"),
            path);
    AwsCredentials creds;
    creds.accessKeyId = std::move(*keyId);
    creds.secretAccessKey = std::move(*secret);
    creds.sessionToken = section->get("aws_session_token").value_or(section->get("aws_security_token").value_or(""));
    creds.source = profileSource(profile, path);
    return creds;
}

// Credential providers the AWS CLI offers that need a network or a subprocess.
void rejectUnsupportedProvider(const IniSection *section, const std::string &profile, const std::string &path)
{
    if (!section)
        return;
    static constexpr std::array<const char *, 7> kKeys = {"role_arn", "source_profile", "credential_source",
        "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"};
    for (const char *key : kKeys) {
        if (section->get(key))
            fail(ErrorCategory::Unsupported,
                profileSource(profile, path) + " obtains credentials through '" + key
                    + "', which is not supported; export AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
                      "AWS_SESSION_TOKEN (e.g. from `aws configure export-credentials --format env`), or set "
                      "AWS_NO_SIGN_REQUEST=true for public data",
                path);
    }
}

std::string checkedEndpoint(std::string url, const std::string &where, const std::string &file)
{
    url = std::string(trim(url));
    const std::string lower = toLower(url);
    const size_t schemeLength = lower.starts_with("http://") ? 7 : lower.starts_with("https://") ? 8 : 0;
    if (schemeLength == 0)
        fail(
            ErrorCategory::InvalidArgument, "S3 endpoint from " + where + " must start with http:// or https://", file);
    if (url.size() == schemeLength || url[schemeLength] == '/')
        fail(ErrorCategory::InvalidArgument, "S3 endpoint from " + where + " has no host", file);
    if (url.find_first_of("?#") != std::string::npos)
        fail(ErrorCategory::InvalidArgument, "S3 endpoint from " + where + " must not have a query or fragment", file);
    while (url.back() == '/')
        url.pop_back();
    return url;
}

// A bucket name usable as a DNS label in front of the service host.
bool isVirtualHostable(std::string_view bucket, bool tls)
{
    if (bucket.size() < 3 || bucket.size() > 63)
        return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(bucket.front()) || !alnum(bucket.back()))
        return false;
    bool allDigitsAndDots = true;
    for (size_t i = 0; i < bucket.size(); ++i) {
        const char c = bucket[i];
        if (!alnum(c) && c != '-' && c != '.')
            return false;
        if (c == '.' && (tls || bucket[i - 1] == '.'))
            return false;
        allDigitsAndDots = allDigitsAndDots && (c == '.' || (c >= '0' && c <= '9'));
    }
    return !allDigitsAndDots; // an IPv4-looking name is not a host label
}

bool isIpLiteral(std::string_view host)
{
    if (!host.empty() && host.front() == '[')
        return true;
    return !host.empty()
        && std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

} // namespace

S3Settings resolveS3Settings(const EnvLookup &env)
{
    S3Settings settings;

    std::optional<std::string> home = lookup(env, "HOME");
    if (!home)
        home = lookup(env, "USERPROFILE");
    const std::optional<std::string> profileVar = lookup(env, "AWS_PROFILE");
    const std::string profile = profileVar.value_or("default");

    auto filePath = [&](const char *var, const char *defaultName) -> std::optional<std::string> {
        if (auto explicitPath = lookup(env, var))
            return expandHome(*explicitPath, home);
        if (home)
            return (std::filesystem::path(*home) / ".aws" / defaultName).string();
        return std::nullopt;
    };
    const std::optional<std::string> credentialsPath = filePath("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    const std::optional<std::string> configPath = filePath("AWS_CONFIG_FILE", "config");
    const std::optional<IniFile> credentialsFile = credentialsPath ? readIni(*credentialsPath) : std::nullopt;
    const std::optional<IniFile> configFile = configPath ? readIni(*configPath) : std::nullopt;
    const IniSection *credSection = credentialsFile ? credentialsFile->find(profile) : nullptr;
    const IniSection *confSection = configFile ? configProfileSection(*configFile, profile) : nullptr;
    const std::string configName = configPath.value_or("the AWS config file");
    if (profileVar && !credSection && !confSection)
        fail(ErrorCategory::InvalidArgument,
            "AWS profile '" + profile + "' (from AWS_PROFILE) is in neither "
                + credentialsPath.value_or("the AWS credentials file") + " nor " + configName);

    // Credentials.
    const std::optional<std::string> noSignVar = lookup(env, "AWS_NO_SIGN_REQUEST");
    const bool noSign = noSignVar && parseBool(*noSignVar, "AWS_NO_SIGN_REQUEST");
    const auto envKeyId = lookup(env, "AWS_ACCESS_KEY_ID");
    const auto envSecret = lookup(env, "AWS_SECRET_ACCESS_KEY");
    if (noSign) {
        settings.credentials.source = "anonymous (AWS_NO_SIGN_REQUEST)";
    } else if (envKeyId || envSecret) {
        if (!envKeyId || !envSecret)
            fail(ErrorCategory::InvalidArgument,
                envKeyId ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                         : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
        settings.credentials.accessKeyId = *envKeyId;
        settings.credentials.secretAccessKey = *envSecret;
        settings.credentials.sessionToken = lookup(env, "AWS_SESSION_TOKEN").value_or("");
        settings.credentials.source = "environment (AWS_ACCESS_KEY_ID)";
    } else if (auto fromCreds = credentialsFromSection(credSection, profile, credentialsPath.value_or(""))) {
        settings.credentials = std::move(*fromCreds);
    } else if (auto fromConfig = credentialsFromSection(confSection, profile, configName)) {
        settings.credentials = std::move(*fromConfig);
    } else {
        rejectUnsupportedProvider(credSection, profile, credentialsPath.value_or(""));
        rejectUnsupportedProvider(confSection, profile, configName);
        settings.credentials.source = "anonymous (no credentials in the environment or profile '" + profile + "')";
    }

    // Region.
    if (auto region = lookup(env, "AWS_REGION"))
        settings.region = *region;
    else if (auto defaultRegion = lookup(env, "AWS_DEFAULT_REGION"))
        settings.region = *defaultRegion;
    else if (auto profileRegion = confSection ? confSection->get("region") : std::nullopt)
        settings.region = *profileRegion;

    // Endpoint.
    bool ignoreEndpoints = false;
    if (auto v = lookup(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
        ignoreEndpoints = parseBool(*v, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    else if (auto p = confSection ? confSection->get("ignore_configured_endpoint_urls") : std::nullopt)
        ignoreEndpoints = parseBool(*p, "ignore_configured_endpoint_urls in profile '" + profile + "'", configName);
    if (!ignoreEndpoints) {
        const IniSection *services = nullptr;
        if (auto name = confSection ? confSection->get("services") : std::nullopt)
            services = configFile->find("services " + *name);
        if (auto v = lookup(env, "AWS_ENDPOINT_URL_S3"))
            settings.endpoint = checkedEndpoint(*v, "AWS_ENDPOINT_URL_S3", {});
        else if (auto g = lookup(env, "AWS_ENDPOINT_URL"))
            settings.endpoint = checkedEndpoint(*g, "AWS_ENDPOINT_URL", {});
        else if (auto s = services ? services->getNested("s3", "endpoint_url") : std::nullopt)
            settings.endpoint = checkedEndpoint(*s, "the services section of profile '" + profile + "'", configName);
        else if (auto n = confSection ? confSection->getNested("s3", "endpoint_url") : std::nullopt)
            settings.endpoint = checkedEndpoint(*n, "'s3 = endpoint_url' in profile '" + profile + "'", configName);
        else if (auto e = confSection ? confSection->get("endpoint_url") : std::nullopt)
            settings.endpoint = checkedEndpoint(*e, "endpoint_url in profile '" + profile + "'", configName);
    }

    // Addressing style.
    settings.pathStyle = !settings.endpoint.empty();
    if (auto style = confSection ? confSection->getNested("s3", "addressing_style") : std::nullopt) {
        const std::string s = toLower(*style);
        if (s == "path")
            settings.pathStyle = true;
        else if (s == "virtual")
            settings.pathStyle = false;
        else if (s != "auto")
            fail(ErrorCategory::InvalidArgument,
                "'s3 = addressing_style' in profile '" + profile + "' must be path, virtual or auto", configName);
    }
    if (auto style = lookup(env, "CKPT_S3_ADDRESSING")) {
        const std::string s = toLower(*style);
        if (s == "path")
            settings.pathStyle = true;
        else if (s == "virtual")
            settings.pathStyle = false;
        else
            fail(ErrorCategory::InvalidArgument, "CKPT_S3_ADDRESSING must be path or virtual");
    }
    return settings;
}

std::string s3RequestUrl(
    const S3Settings &settings, std::string_view bucket, std::string_view key, const S3Query &query)
{
    if (bucket.empty() || bucket.find('/') != std::string_view::npos)
        fail(ErrorCategory::InvalidArgument, "S3 bucket name must be non-empty and contain no '/'");
    std::string scheme = "https";
    std::string authority;
    std::string prefix; // path of a custom endpoint, e.g. "/s3"
    if (settings.endpoint.empty()) {
        authority = "s3." + settings.region + ".amazonaws.com";
        if (settings.region.starts_with("cn-"))
            authority += ".cn";
    } else {
        const std::string &e = settings.endpoint;
        const size_t schemeEnd = e.find("://");
        if (schemeEnd == std::string::npos)
            fail(ErrorCategory::InvalidArgument, "S3 endpoint must start with http:// or https://");
        scheme = toLower(e.substr(0, schemeEnd));
        const size_t pathStart = e.find('/', schemeEnd + 3);
        authority
            = e.substr(schemeEnd + 3, pathStart == std::string::npos ? std::string::npos : pathStart - schemeEnd - 3);
        if (pathStart != std::string::npos)
            prefix = e.substr(pathStart);
        while (!prefix.empty() && prefix.back() == '/')
            prefix.pop_back();
    }
    if (authority.empty())
        fail(ErrorCategory::InvalidArgument, "S3 endpoint has no host");
    const std::string hostOnly
        = authority.substr(0, authority.front() == '[' ? authority.find(']') + 1 : authority.rfind(':'));
    const bool virtualHosted
        = !settings.pathStyle && isVirtualHostable(bucket, scheme == "https") && !isIpLiteral(hostOnly);

    std::string url = scheme + "://";
    if (virtualHosted) {
        url += std::string(bucket) + "." + authority + prefix + "/" + awsUriEncode(key, true);
    } else {
        url += authority + prefix + "/" + awsUriEncode(bucket, false);
        if (!key.empty())
            url += "/" + awsUriEncode(key, true);
    }
    char separator = '?';
    for (const auto &[name, value] : query) {
        url += separator;
        separator = '&';
        url += awsUriEncode(name, false);
        if (!value.empty())
            url += "=" + awsUriEncode(value, false);
    }
    return url;
}

} // namespace ckpt
