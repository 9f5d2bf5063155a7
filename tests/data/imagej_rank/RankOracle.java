// Window statistics from ImageJ's own RankFilters, for test fixtures.
// Usage: java -cp ij.jar:. RankOracle WIDTH HEIGHT RADIUS < pixels.txt > stats.txt
// Input: WIDTH*HEIGHT 8-bit values (whitespace separated, row-major).
// Output: five lines, "MIN v...", "MAX v...", "MEDIAN v...", "MEAN v...", "VARIANCE v...":
// MIN/MAX/MEDIAN on the 8-bit image, MEAN/VARIANCE on its 32-bit copy, as
// Fiji's Auto_Local_Threshold calls them. Floats are printed with Float.toString
// (shortest repr that round-trips to the same float32).
import ij.plugin.filter.RankFilters;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StreamTokenizer;

public class RankOracle {
    public static void main(String[] args) throws Exception {
        int w = Integer.parseInt(args[0]);
        int h = Integer.parseInt(args[1]);
        double radius = Double.parseDouble(args[2]);
        StreamTokenizer in = new StreamTokenizer(new BufferedReader(new InputStreamReader(System.in)));
        byte[] pixels = new byte[w * h];
        for (int i = 0; i < w * h; i++) {
            if (in.nextToken() != StreamTokenizer.TT_NUMBER) throw new IllegalArgumentException("need " + (w * h) + " values");
            pixels[i] = (byte) ((int) in.nval);
        }
        ByteProcessor image = new ByteProcessor(w, h, pixels);
        String[] names = {"MIN", "MAX", "MEDIAN", "MEAN", "VARIANCE"};
        int[] types = {RankFilters.MIN, RankFilters.MAX, RankFilters.MEDIAN, RankFilters.MEAN, RankFilters.VARIANCE};
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < names.length; k++) {
            boolean isFloat = types[k] == RankFilters.MEAN || types[k] == RankFilters.VARIANCE;
            ImageProcessor ip = isFloat ? image.convertToFloat() : image.duplicate();
            new RankFilters().rank(ip, radius, types[k]);
            out.append(names[k]);
            for (int i = 0; i < w * h; i++) {
                out.append(' ');
                if (isFloat) out.append(Float.toString(((float[]) ip.getPixels())[i]));
                else out.append(((byte[]) ip.getPixels())[i] & 0xff);
            }
            out.append('\n');
        }
        System.out.print(out);
        System.out.flush();
        System.exit(0);  // RankFilters may leave worker threads that keep the JVM alive
    }
}
