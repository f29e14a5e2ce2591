package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SvgChartTest {

    private static List<PointResult> sweep() {
        List<PointResult> results = new ArrayList<>();
        for (int c : new int[] {10, 100, 1000}) {
            results.add(ResultsFixture.point("sync", c, 200, 100, 0)); // flat: 20 req/s
            results.add(ResultsFixture.point("virtual", c, c * 95L, 105, 0)); // tracks C / L
        }
        results.add(ResultsFixture.point("a<b", 10, 0, 0, 3)); // no throughput, a name to escape
        return results;
    }

    @Test
    void isWellFormedSvgWithOneLinePerServer() throws Exception {
        Document doc = parse(SvgChart.render("Title & more", Duration.ofMillis(100), sweep()));
        Element root = doc.getDocumentElement();
        assertEquals("svg", root.getTagName());
        NodeList lines = doc.getElementsByTagName("polyline");
        assertEquals(3, lines.getLength());
        assertEquals(7, doc.getElementsByTagName("circle").getLength());
        String text = root.getTextContent();
        assertTrue(text.contains("Title & more"));
        assertTrue(text.contains("Little's law: C / 100 ms"));
        assertTrue(text.contains("a<b"));
    }

    @Test
    void drawsLittlesLawAsADashedLineOnLogLogAxes() throws Exception {
        Document doc = parse(SvgChart.render("t", Duration.ofMillis(100), sweep()));
        NodeList lines = doc.getElementsByTagName("line");
        Element law = null;
        for (int i = 0; i < lines.getLength(); i++) {
            Element e = (Element) lines.item(i);
            if (e.hasAttribute("stroke-dasharray") && law == null) {
                law = e;
            }
        }
        assertTrue(law != null, "no dashed line");
        // rising to the right: y shrinks as x grows
        assertTrue(Double.parseDouble(law.getAttribute("x2")) > Double.parseDouble(law.getAttribute("x1")));
        assertTrue(Double.parseDouble(law.getAttribute("y2")) < Double.parseDouble(law.getAttribute("y1")));
        // the virtual line (95% of C / L) runs parallel to it: equal slope in pixels per decade
        Element virtual = (Element) doc.getElementsByTagName("polyline").item(1);
        String[] pts = virtual.getAttribute("points").split(" ");
        double[] a = xy(pts[0]);
        double[] b = xy(pts[2]);
        double lineSlope = (b[1] - a[1]) / (b[0] - a[0]);
        double lawSlope = (Double.parseDouble(law.getAttribute("y2")) - Double.parseDouble(law.getAttribute("y1")))
                / (Double.parseDouble(law.getAttribute("x2")) - Double.parseDouble(law.getAttribute("x1")));
        assertEquals(lawSlope, lineSlope, 0.02);
    }

    @Test
    void formatsTicksCompactly() {
        assertEquals("10", SvgChart.number(10));
        assertEquals("1k", SvgChart.number(1000));
        assertEquals("5k", SvgChart.number(5000));
        assertEquals("1M", SvgChart.number(1_000_000));
        assertEquals("1234", SvgChart.number(1234));
        assertEquals("0.1", SvgChart.number(0.1));
    }

    private static double[] xy(String point) {
        String[] p = point.split(",");
        return new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1])};
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
