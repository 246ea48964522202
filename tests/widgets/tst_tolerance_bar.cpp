// ToleranceBar: options from the controls, setOptions round trip, validation of the edits.
#include "tolerance_bar.h"

#include <QCheckBox>
#include <QLineEdit>
#include <QValidator>
#include <QtTest>

class TestToleranceBar : public QObject {
    Q_OBJECT
private slots:
    void defaultsAreExact()
    {
        ToleranceBar bar(QStringLiteral("close"));
        const ckpt::ArrayCompareOptions o = bar.options();
        QCOMPARE(o.atol, 0.0);
        QCOMPARE(o.rtol, 0.0);
        QVERIFY(!o.nanEqual);
        QVERIFY(bar.atolEdit()->toolTip().endsWith(QStringLiteral("is close")));
        QVERIFY(bar.rtolEdit()->toolTip().endsWith(QStringLiteral("is close")));
    }

    void readsControlsKeepingTheRestOfBase()
    {
        ToleranceBar bar(QStringLiteral("unchanged"));
        bar.atolEdit()->setText(QStringLiteral("1e-6"));
        bar.rtolEdit()->setText(QStringLiteral(" 0.25 "));
        bar.nanEqualBox()->setChecked(true);
        ckpt::ArrayCompareOptions base;
        base.atol = 9;
        base.pieceBytes = 12345;
        const ckpt::ArrayCompareOptions o = bar.options(base);
        QCOMPARE(o.atol, 1e-6);
        QCOMPARE(o.rtol, 0.25);
        QVERIFY(o.nanEqual);
        QCOMPARE(o.pieceBytes, uint64_t(12345));
    }

    void unparsableTextCountsAsZero()
    {
        ToleranceBar bar(QStringLiteral("close"));
        bar.atolEdit()->setText(QStringLiteral("1e"));
        bar.rtolEdit()->clear();
        const ckpt::ArrayCompareOptions o = bar.options();
        QCOMPARE(o.atol, 0.0);
        QCOMPARE(o.rtol, 0.0);
    }

    void validatorRejectsNegativeAndLocaleCommas()
    {
        ToleranceBar bar(QStringLiteral("close"));
        const QValidator *v = bar.atolEdit()->validator();
        QVERIFY(v);
        int pos = 0;
        QString text = QStringLiteral("-1");
        QCOMPARE(v->validate(text, pos), QValidator::Invalid);
        text = QStringLiteral("2.5e-3");
        QCOMPARE(v->validate(text, pos), QValidator::Acceptable);
        text = QStringLiteral("2,5");
        QVERIFY(v->validate(text, pos) != QValidator::Acceptable);
    }

    void setOptionsRoundTrips()
    {
        ToleranceBar bar(QStringLiteral("close"));
        ckpt::ArrayCompareOptions o;
        o.atol = 0.1;
        o.rtol = 1e-300;
        o.nanEqual = true;
        bar.setOptions(o);
        QCOMPARE(bar.atolEdit()->text(), QStringLiteral("0.10000000000000001"));
        const ckpt::ArrayCompareOptions back = bar.options();
        QCOMPARE(back.atol, o.atol);
        QCOMPARE(back.rtol, o.rtol);
        QVERIFY(back.nanEqual);
    }
};

QTEST_MAIN(TestToleranceBar)
#include "tst_tolerance_bar.moc"
