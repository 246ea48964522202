// Run view: per leaf, per consecutive pair of complete steps of a legacy Flax folder.
#include "base/error.h"
#include "formats/flax_msgpack/msgpack_writer.h"
#include "ops/diff/diff_json.h"
#include "ops/diff/diff_run.h"

#include "tree_builders.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <filesystem>

using namespace ckpt;

namespace {

using testtree::f64;

NodePtr state(int64_t step, std::vector<double> w, bool withNew, std::vector<double> bias = {1, 1})
{
    std::vector<Child> c = {{Key::name("step"), Node::makeScalar(Scalar::fromInt(step))},
        {Key::name("w"), f64(std::move(w))}, {Key::name("b"), f64(std::move(bias))}};
    if (withNew)
        c.push_back({Key::name("new"), f64({0})});
    return Node::makeDict(std::move(c));
}

size_t leafIndex(const RunDiff &r, const std::string &p)
{
    for (size_t i = 0; i < r.leaves.size(); ++i)
        if (r.leaves[i] == p)
            return i;
    throw std::runtime_error("no leaf " + p);
}

} // namespace

class TestDiffRun : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_root;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_root = m_dir.path().toStdString();
        flaxmsgpack::writeFile(state(100, {3, 4}, false), m_root + "/checkpoint_100");
        flaxmsgpack::writeFile(state(200, {3, 4.5}, false), m_root + "/checkpoint_200");
        flaxmsgpack::writeFile(state(300, {3, 4.5}, true), m_root + "/checkpoint_300");
        flaxmsgpack::writeFile(state(400, {0, 0}, true, {1, 2, 3}), m_root + "/checkpoint_400");
        // An unfinished save is never part of the view.
        flaxmsgpack::writeFile(state(500, {9, 9}, true), m_root + "/checkpoint_tmp");
    }

    void wholeRun()
    {
        std::vector<std::pair<uint64_t, uint64_t>> reports;
        Progress p;
        p.report = [&](uint64_t d, uint64_t t) { reports.emplace_back(d, t); };
        const RunDiff r = diffRun(m_root, {}, p);
        QCOMPARE(r.steps.size(), size_t(4));
        QCOMPARE(r.steps.front().text, std::string("100"));
        QCOMPARE(r.steps.back().text, std::string("400"));
        QCOMPARE(r.cells.size(), size_t(3));
        QCOMPARE(r.leaves, (std::vector<std::string>{"step", "w", "b", "new"}));
        for (const auto &row : r.cells)
            QCOMPARE(row.size(), r.leaves.size());
        const size_t w = leafIndex(r, "w"), b = leafIndex(r, "b"), n = leafIndex(r, "new"), s = leafIndex(r, "step");
        // w: [3,4] -> [3,4.5]: ||B-A||/||A|| = 0.5 / 5.
        QCOMPARE(r.cells[0][w].state, RunCell::State::Changed);
        QCOMPARE(r.cells[0][w].relUpdate, 0.1);
        QCOMPARE(r.cells[0][w].normA, 5.0);
        QCOMPARE(r.cells[0][w].maxAbs, 0.5);
        QCOMPARE(r.cells[1][w].state, RunCell::State::Unchanged);
        QCOMPARE(r.cells[1][w].relUpdate, 0.0);
        QCOMPARE(r.cells[2][w].relUpdate, 1.0); // everything set to zero
        // b unchanged, then its shape changes.
        QCOMPARE(r.cells[0][b].state, RunCell::State::Unchanged);
        QCOMPARE(r.cells[2][b].state, RunCell::State::Incompatible);
        // new appears at 300: absent before, unchanged after.
        QCOMPARE(r.cells[0][n].state, RunCell::State::Absent);
        QCOMPARE(r.cells[1][n].state, RunCell::State::Absent);
        QCOMPARE(r.cells[2][n].state, RunCell::State::Unchanged);
        // The step scalar changes every time: 100 -> 200 is a relative update of 1.
        QCOMPARE(r.cells[0][s].state, RunCell::State::Changed);
        QCOMPARE(r.cells[0][s].relUpdate, 1.0);
        // Thousandths of transitions, moving inside a transition as its arrays are compared.
        QCOMPARE(reports.back(), (std::pair<uint64_t, uint64_t>(3000, 3000)));
        bool within = false;
        for (const auto &[d, t] : reports) {
            QCOMPARE(t, uint64_t(3000));
            QVERIFY(d <= t);
            within = within || d % 1000 != 0;
        }
        QVERIFY(within);
        const auto j = runDiffJson(r);
        QVERIFY(j["steps"] == nlohmann::json({100, 200, 300, 400}));
        QCOMPARE(j["leaves"][w]["cells"][0]["rel_update"].get<double>(), 0.1);
        QCOMPARE(j["leaves"][n]["cells"][0]["state"].get<std::string>(), std::string("absent"));
        QVERIFY(!j["leaves"][n]["cells"][0].contains("rel_update"));
    }

    void rangeAndTolerance()
    {
        RunDiffOptions o;
        o.from = 150;
        o.to = 300;
        RunDiff r = diffRun(m_root, o);
        QCOMPARE(r.steps.size(), size_t(2));
        QCOMPARE(r.cells.size(), size_t(1));
        QCOMPARE(r.cells[0][leafIndex(r, "w")].state, RunCell::State::Unchanged);
        o.from = 100;
        o.to = 200;
        o.diff.compare.atol = 0.5;
        r = diffRun(m_root, o);
        QCOMPARE(r.cells[0][leafIndex(r, "w")].state, RunCell::State::Unchanged);
        QCOMPARE(r.cells[0][leafIndex(r, "w")].relUpdate, 0.1); // the norm is still reported
    }

    void tooFewSteps()
    {
        RunDiffOptions o;
        o.from = 400;
        try {
            diffRun(m_root, o);
            QFAIL("expected InvalidArgument");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::InvalidArgument);
            QVERIFY(e.error().message.find("1 complete step") != std::string::npos);
        }
        try {
            diffRun(m_root + "/missing", {});
            QFAIL("expected an error");
        } catch (const Exception &e) {
            QCOMPARE(e.error().category, ErrorCategory::MissingData);
        }
    }
};

QTEST_GUILESS_MAIN(TestDiffRun)
#include "tst_diff_run.moc"
