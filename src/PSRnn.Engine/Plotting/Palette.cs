namespace PSRnn.Engine.Plotting;

/// <summary>
/// Colours that stay apart for readers with any common colour-vision deficiency: Okabe and Ito's eight
/// (yellow last, the faintest on white) for up to eight groups, Paul Tol's nine "muted" colours for more.
/// Beyond nine groups the colours repeat: split such a sweep into several plots.
/// </summary>
public static class Palette
{
    private static readonly string[] OkabeIto =
        { "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442" };

    private static readonly string[] TolMuted =
        { "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499" };

    /// <summary>The colours, as #RRGGBB, for <paramref name="groups"/> groups in order.</summary>
    public static IReadOnlyList<string> For(int groups)
    {
        var colours = groups <= OkabeIto.Length ? OkabeIto : TolMuted;
        return Enumerable.Range(0, Math.Max(groups, 0)).Select(g => colours[g % colours.Length]).ToArray();
    }
}
