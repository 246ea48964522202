#include "stats_panel.h"

#include "tree/dtype.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>

StatsPanel::StatsPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *form = new QFormLayout(this);
    form->setLabelAlignment(Qt::AlignRight);
    form->setContentsMargins(8, 8, 8, 8);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const std::pair<const char *, QString> fields[] = {
        {"count", tr("Elements")},
        {"finite", tr("Finite")},
        {"nan", tr("NaN")},
        {"inf", tr("Inf")},
        {"zero", tr("Zeros")},
        {"min", tr("Min")},
        {"max", tr("Max")},
        {"mean", tr("Mean")},
        {"std", tr("Std")},
    };
    for (const auto &[key, label] : fields) {
        auto *value = new QLabel(this);
        value->setFont(mono);
        value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setMinimumWidth(120);
        form->addRow(label + QLatin1Char(':'), value);
        m_fields.append({QString::fromLatin1(key), value});
    }
    clear();
}

void StatsPanel::setStats(const ckpt::ArrayStats &s)
{
    auto set = [this](const char *key, const QString &text) {
        for (auto &f : m_fields) {
            if (f.first == QLatin1String(key))
                f.second->setText(text);
        }
    };
    auto d = [](double v) { return QString::fromStdString(ckpt::formatDouble(v)); };
    set("count", QString::number(s.count));
    set("finite", QString::number(s.finite));
    set("nan", QString::number(s.nanCount));
    set("inf", QString::number(s.infCount));
    set("zero", QString::number(s.zeroCount));
    set("min", s.finite ? d(s.min) : QStringLiteral("–"));
    set("max", s.finite ? d(s.max) : QStringLiteral("–"));
    set("mean", s.finite ? d(s.mean) : QStringLiteral("–"));
    set("std", s.finite ? d(s.std) : QStringLiteral("–"));
}

void StatsPanel::clear(const QString &message)
{
    for (auto &f : m_fields)
        f.second->setText(f.first == QLatin1String("count") ? message : QString());
}

QString StatsPanel::valueText(const QString &field) const
{
    for (const auto &f : m_fields) {
        if (f.first == field)
            return f.second->text();
    }
    return {};
}
