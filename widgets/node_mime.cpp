#include "node_mime.h"

#include <QJsonDocument>
#include <QJsonObject>

QByteArray encodeNodeDrag(const NodeDrag &drag)
{
    QJsonObject o;
    o.insert(QStringLiteral("path"), drag.path);
    o.insert(QStringLiteral("step"), drag.step);
    o.insert(QStringLiteral("item"), drag.item);
    o.insert(QStringLiteral("keyPath"), drag.keyPath);
    o.insert(QStringLiteral("origin"), drag.origin);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<NodeDrag> decodeNodeDrag(const QByteArray &bytes)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    if (!o.value(QStringLiteral("path")).isString() || o.value(QStringLiteral("path")).toString().isEmpty())
        return std::nullopt;
    NodeDrag d;
    d.path = o.value(QStringLiteral("path")).toString();
    d.step = o.value(QStringLiteral("step")).toString();
    d.item = o.value(QStringLiteral("item")).toString();
    d.keyPath = o.value(QStringLiteral("keyPath")).toString();
    d.origin = o.value(QStringLiteral("origin")).toString();
    return d;
}
