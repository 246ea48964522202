#include "start_page.h"

#include "layout/checkpoint.h"

#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

StartPage::StartPage(QWidget *parent)
    : QWidget(parent)
{
    auto *outer = new QHBoxLayout(this);
    outer->addStretch(1);
    auto *col = new QVBoxLayout;
    outer->addLayout(col, 2);
    outer->addStretch(1);
    col->addStretch(1);

    auto *title = new QLabel(tr("Checkpoint Studio"), this);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    big.setBold(true);
    title->setFont(big);
    col->addWidget(title);
    auto *subtitle = new QLabel(tr("Inspect Flax msgpack files and Orbax checkpoints: browse the pytree, "
                                   "look at array values, statistics and histograms."),
        this);
    subtitle->setWordWrap(true);
    col->addWidget(subtitle);
    col->addSpacing(16);

    auto *buttons = new QHBoxLayout;
    auto *openFile = new QPushButton(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Open file…"), this);
    auto *openFolder = new QPushButton(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Open folder…"), this);
    m_demo = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Open demo"), this);
    m_demo->setObjectName(QStringLiteral("openDemoButton"));
    buttons->addWidget(openFile);
    buttons->addWidget(openFolder);
    buttons->addWidget(m_demo);
    buttons->addStretch(1);
    col->addLayout(buttons);
    col->addSpacing(16);

    col->addWidget(new QLabel(tr("Recent"), this));
    m_recent = new QListWidget(this);
    m_recent->setMinimumHeight(160);
    col->addWidget(m_recent, 1);
    col->addStretch(1);

    connect(openFile, &QPushButton::clicked, this, &StartPage::openFileRequested);
    connect(openFolder, &QPushButton::clicked, this, &StartPage::openFolderRequested);
    connect(m_demo, &QPushButton::clicked, this, &StartPage::openDemoRequested);
    connect(m_recent, &QListWidget::itemActivated, this,
        [this](QListWidgetItem *item) { emit openPathRequested(item->data(Qt::UserRole).toString()); });
}

void StartPage::setRecentFiles(const QStringList &paths)
{
    m_recent->clear();
    for (const QString &p : paths) {
        const QFileInfo fi(p);
        const bool remote = ckpt::isRemoteLocation(p.toStdString());
        const QStyle::StandardPixmap icon
            = remote ? QStyle::SP_DriveNetIcon : (fi.isDir() ? QStyle::SP_DirIcon : QStyle::SP_FileIcon);
        const QString where = remote ? p.left(p.size() - fi.fileName().size() - 1) : fi.absolutePath();
        auto *item = new QListWidgetItem(
            style()->standardIcon(icon), fi.fileName() + QStringLiteral("  —  ") + where, m_recent);
        item->setData(Qt::UserRole, p);
        item->setToolTip(p);
    }
    if (paths.isEmpty())
        new QListWidgetItem(tr("No recent checkpoints"), m_recent);
}

void StartPage::setDemoAvailable(bool available)
{
    m_demo->setEnabled(available);
}
