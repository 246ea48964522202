#include "progress_strip.h"

#include "background_job.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

ProgressStrip::ProgressStrip(QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_cancel(new QToolButton(this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(160);
    m_progress->hide();
    m_cancel->setText(tr("Cancel"));
    m_cancel->hide();
    layout->addWidget(m_status);
    layout->addWidget(m_progress);
    layout->addWidget(m_cancel);
}

void ProgressStrip::follow(BackgroundJob *job)
{
    connect(job, &BackgroundJob::progress, m_progress, &QProgressBar::setValue);
    connect(m_cancel, &QToolButton::clicked, job, &BackgroundJob::cancel);
}

void ProgressStrip::showBusy(const QString &text)
{
    m_status->setText(text);
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
}

void ProgressStrip::showDone(const QString &text)
{
    m_progress->hide();
    m_cancel->hide();
    m_status->setText(text);
}
