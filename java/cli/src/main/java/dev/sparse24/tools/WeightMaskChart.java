package dev.sparse24.tools;

import dev.sparse24.format.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The tutorial's mask picture: the top-left corner of a weight matrix as non-zero (1) / zero (0)
 * cells, row 0 at the top, a separator line every 4 columns (the 1x4 groups 2:4 acts on), a
 * title and a colour bar, saved as PNG with XChart.
 */
public final class WeightMaskChart {
    /** Side of the corner drawn, as in the tutorial. */
    public static final int CORNER = 24;

    private static final Color ZERO = new Color(0xF2, 0xF2, 0xF2);
    private static final Color NON_ZERO = new Color(0x1F, 0x4E, 0x9A);

    private WeightMaskChart() {
    }

    /**
     * Draws the corner of the row-major matrix {@code w [rows, cols]} and writes
     * {@code file} (".png" is added by XChart when missing).
     *
     * @return the number of rows and columns drawn
     */
    public static int[] write(float[] w, int rows, int cols, String title, String xTitle, Path file) throws IOException {
        int r = Math.min(CORNER, rows);
        int c = Math.min(CORNER, cols);
        int[] x = new int[c];
        for (int j = 0; j < c; j++) {
            x[j] = j;
        }
        // XChart puts the first y category at the bottom; list rows bottom-up so row 0 is on top.
        int[] y = new int[r];
        for (int i = 0; i < r; i++) {
            y[i] = r - 1 - i;
        }
        int[][] heat = new int[c][r];
        for (int j = 0; j < c; j++) {
            for (int i = 0; i < r; i++) {
                heat[j][i] = w[(r - 1 - i) * cols + j] != 0f ? 1 : 0;
            }
        }
        HeatMapChart chart = new SeparatedHeatMap(new HeatMapChartBuilder().width(620).height(560).title(title)
                .xAxisTitle(xTitle).yAxisTitle("output row"), c);
        chart.getStyler().setRangeColors(new Color[] {ZERO, NON_ZERO});
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(1);
        // A continuous bar from 0 (zero) to 1 (non-zero): the colour bar of the tutorial's imshow.
        chart.getStyler().setPiecewise(false);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.addSeries("1 = non-zero, 0 = zero", x, y, heat);
        AtomicFiles.write(file, o -> BitmapEncoder.saveBitmap(chart, o, BitmapEncoder.BitmapFormat.PNG));
        return new int[] {r, c};
    }

    /** A heat map that draws the group separators over its plot area after XChart paints it. */
    private static final class SeparatedHeatMap extends HeatMapChart {
        private final int columns;

        SeparatedHeatMap(HeatMapChartBuilder builder, int columns) {
            super(builder);
            this.columns = columns;
        }

        @Override
        public void paint(Graphics2D g, int width, int height) {
            super.paint(g, width, height);
            // XChart centres the cells in plotContentSize of the plot's width and height.
            Rectangle2D b = plot.getBounds();
            double size = getStyler().getPlotContentSize();
            double x0 = b.getX() + (1 - size) * b.getWidth() / 2;
            double w = size * b.getWidth();
            double y0 = b.getY() + (1 - size) * b.getHeight() / 2;
            double h = size * b.getHeight();
            g.setColor(Color.RED);
            g.setStroke(new BasicStroke(1.5f));
            for (int k = 4; k < columns; k += 4) {
                double xs = x0 + w * k / columns;
                g.draw(new Line2D.Double(xs, y0, xs, y0 + h));
            }
        }
    }
}
