#include "status_area.h"

#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>

StatusArea::StatusArea(QStatusBar *bar)
    : QObject(bar)
    , m_text(new QLabel(bar))
    , m_progress(new QProgressBar(bar))
    , m_cancel(new QToolButton(bar))
{
    bar->addWidget(m_text, 1);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(false);
    bar->addPermanentWidget(m_progress);
    m_cancel->setIcon(bar->style()->standardIcon(QStyle::SP_BrowserStop));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_cancel->setAutoRaise(true);
    bar->addPermanentWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, &StatusArea::cancelRequested);
}

QString StatusArea::text() const
{
    return m_text->text();
}

void StatusArea::setBusy(bool busy)
{
    m_progress->setVisible(busy);
    m_cancel->setVisible(busy);
}

void StatusArea::setText(const QString &text)
{
    m_text->setText(text);
}

void StatusArea::setProgress(int permille)
{
    m_progress->setValue(permille);
}
