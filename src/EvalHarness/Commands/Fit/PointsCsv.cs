// PointsCsv — reads two numeric columns of a CSV file (a header row naming the columns, invariant numbers) as (x, y)
// points, for `fit` and for sweeps exported from elsewhere (SAELens runs). Faults name the file, the row and the column.
// It checks parsing only; what a fit needs of the values (positive x, enough points) is the fitter's to say.
using System.Globalization;
using CsvHelper;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Commands.Fit;

public static class PointsCsv
{
    /// <summary>The (x, y) columns of every data row; UsageException naming the file for a missing column or a cell
    /// that is not a number; FileNotFoundException for a missing file.</summary>
    public static (double[] X, double[] Y) Read(string path, string xColumn, string yColumn)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found (--in)", path);
        using var text = new StreamReader(path);
        using CsvReader csv = CsvReader.Create(text, null, leaveOpen: false);
        var headers = csv.Headers.Select(h => h.Trim()).ToList();
        int xi = Column(path, headers, xColumn, "--x"), yi = Column(path, headers, yColumn, "--y");
        var xs = new List<double>();
        var ys = new List<double>();
        long row = 0;
        while (csv.Read())
        {
            row++;
            xs.Add(Number(path, row, xColumn, csv.GetString(xi)));
            ys.Add(Number(path, row, yColumn, csv.GetString(yi)));
        }
        return (xs.ToArray(), ys.ToArray());
    }

    private static int Column(string path, List<string> headers, string name, string option)
    {
        int i = headers.IndexOf(name);
        if (i >= 0) return i;
        string have = headers.Count == 0 ? "none (empty file)" : string.Join(", ", headers);
        throw new UsageException($"{path}: no column '{name}' ({option}) — the header has {have}");
    }

    private static double Number(string path, long row, string column, string cell)
    {
        if (double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        throw new UsageException($"{path}: data row {row}, column '{column}': '{cell}' is not a number");
    }
}
