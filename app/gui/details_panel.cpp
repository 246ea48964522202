#include "details_panel.h"

#include "tree/array_info.h"

#include <QDateTime>

namespace {

QString row(const QString &label, const QString &value, bool mono = false)
{
    const QString v = value.toHtmlEscaped();
    return QStringLiteral("<tr><td style='padding-right:12px; color:palette(mid)'>") + label.toHtmlEscaped()
        + QStringLiteral("</td><td>") + (mono ? QStringLiteral("<code>") + v + QStringLiteral("</code>") : v)
        + QStringLiteral("</td></tr>");
}

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

/// One table row per scalar of the metadata, keyed by its dotted path: `*_timestamp_nsecs` as UTC
/// dates, dotted handler class paths shortened to the class name,
/// empty objects skipped.
void metadataRows(const nlohmann::json &j, const QString &prefix, QString &html)
{
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            metadataRows(it.value(), prefix.isEmpty() ? qs(it.key()) : prefix + QLatin1Char('.') + qs(it.key()), html);
        return;
    }
    QString value;
    if (j.is_number_integer() && prefix.endsWith(QStringLiteral("_timestamp_nsecs"))) {
        value = QDateTime::fromMSecsSinceEpoch(j.get<int64_t>() / 1000000, Qt::UTC)
                    .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz 'UTC'"));
    } else if (j.is_string()) {
        value = qs(j.get<std::string>());
        if (prefix.contains(QStringLiteral("handler")) && value.count(QLatin1Char('.')) > 2)
            value = value.section(QLatin1Char('.'), -1);
    } else {
        value = qs(j.dump());
    }
    html += row(prefix.isEmpty() ? QStringLiteral("(value)") : prefix, value);
}

} // namespace

DetailsPanel::DetailsPanel(QWidget *parent)
    : QTextBrowser(parent)
{
    setOpenLinks(false);
    render();
}

void DetailsPanel::setCheckpoint(const CheckpointPtr &checkpoint)
{
    m_checkpoint = checkpoint;
    m_node = nullptr;
    m_path.clear();
    render();
}

void DetailsPanel::setSelection(const ckpt::NodePtr &node, const ckpt::Path &path)
{
    m_node = node;
    m_path = path;
    render();
}

void DetailsPanel::setEdits(const QStringList &descriptions)
{
    if (descriptions == m_edits)
        return;
    m_edits = descriptions;
    render();
}

void DetailsPanel::render()
{
    QString html;
    if (!m_checkpoint) {
        setHtml(tr("<p>No checkpoint open.</p>"));
        return;
    }
    const ckpt::Checkpoint &c = *m_checkpoint;
    html += QStringLiteral("<h4>") + tr("Checkpoint") + QStringLiteral("</h4><table>");
    html += row(tr("Path"), qs(c.path), true);
    html += row(tr("Format"), qs(c.format));
    html += row(tr("Era"), qs(c.era));
    if (c.step)
        html += row(tr("Step"), qs(c.step->text));
    if (!c.item.empty())
        html += row(tr("Item"), qs(c.item));
    if (c.root)
        html += row(tr("Leaves"),
            tr("%1 (%2 in arrays)").arg(c.root->leafCount()).arg(qs(ckpt::humanBytes(c.root->arrayBytes()))));
    html += QStringLiteral("</table>");
    if (!m_edits.isEmpty()) {
        html += QStringLiteral("<h4>")
            + (m_edits.size() == 1 ? tr("Edited (1 operation, not yet exported)")
                                   : tr("Edited (%1 operations, not yet exported)").arg(m_edits.size()))
            + QStringLiteral("</h4><ol>");
        for (const QString &e : m_edits)
            html += QStringLiteral("<li><code>") + e.toHtmlEscaped() + QStringLiteral("</code></li>");
        html += QStringLiteral("</ol>");
    }
    if (!c.warnings.empty()) {
        html += QStringLiteral("<h4>") + tr("Warnings") + QStringLiteral("</h4><ul>");
        for (const auto &w : c.warnings)
            html += QStringLiteral("<li>") + qs(w).toHtmlEscaped() + QStringLiteral("</li>");
        html += QStringLiteral("</ul>");
    }
    if (!c.metadata.is_null() && !c.metadata.empty()) {
        QString rows;
        metadataRows(c.metadata, {}, rows);
        if (!rows.isEmpty())
            html += QStringLiteral("<h4>") + tr("Metadata") + QStringLiteral("</h4><table>") + rows
                + QStringLiteral("</table>");
    }

    if (m_node) {
        html += QStringLiteral("<h4>") + tr("Selection") + QStringLiteral("</h4><table>");
        html += row(tr("Key path"), qs(ckpt::joinPath(m_path)), true);
        html += row(tr("Python"), qs(ckpt::pythonPath(m_path)), true);
        html += row(tr("Kind"), QString::fromUtf8(m_node->kindName()));
        if (m_node->kind() == ckpt::NodeKind::Array) {
            const ckpt::ArrayInfo &info = m_node->arrayInfo();
            html += row(tr("DType"), QString::fromUtf8(ckpt::dtypeName(info.dtype)));
            html += row(tr("Shape"), qs(ckpt::shapeString(info.shape)), true);
            if (!info.chunkShape.empty())
                html += row(tr("Chunks"), qs(ckpt::shapeString(info.chunkShape)), true);
            const auto n = info.checkedNumElements();
            html += row(tr("Elements"), n ? QString::number(*n) : tr("overflow"));
            html += row(tr("Size"), qs(ckpt::humanBytes(m_node->arrayBytes())));
            html += row(tr("Stored at"), qs(m_node->array()->location()), true);
        } else if (m_node->isContainer()) {
            html += row(tr("Leaves"), QString::number(m_node->leafCount()));
            html += row(tr("Array bytes"), qs(ckpt::humanBytes(m_node->arrayBytes())));
        }
        for (const auto &[k, v] : m_node->annotations())
            html += row(qs(k), qs(v), true);
        html += QStringLiteral("</table>");
    }
    setHtml(html);
}
