// SafeTensors read/write: bit-exact round trips for every dtype, the on-disk layout checked against files built by
// hand from the spec, one case per malformed-header class, atomic overwrite, and Load copying. No large files.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Torch.Tests;

public class SafeTensorsTests
{
    private string _dir = null!;
    private DisposeScope _scope = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("safetensors-tests-").FullName;
        _scope = DisposeScope.Enter();
    }

    [TearDown]
    public void TearDown()
    {
        _scope.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Deterministic, non-trivial element bytes (0/1 for bool) for a tensor of any dtype.</summary>
    private static Tensor Patterned(ScalarType dtype, long[] shape)
    {
        long numel = shape.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[numel * dtype.ElementSize()];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = dtype == ScalarType.Bool ? (byte)(i % 2) : (byte)(i * 37 + 11);
        return Tensor.FromBytes(bytes, dtype, shape);
    }

    private static KeyValuePair<string, Tensor> Named(string name, Tensor t) => new(name, t);

    /// <summary>A file per the spec: u64 LE header length, the header text as given, then dataBytes of data.</summary>
    private static byte[] RawFile(string header, byte[]? data = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        data ??= [];
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    private static byte[] RawFile(string header, int dataBytes) => RawFile(header, new byte[dataBytes]);

    /// <summary>A file whose length prefix says n, padded with zeros to totalLength bytes.</summary>
    private static byte[] Prefixed(ulong n, int totalLength)
    {
        var file = new byte[totalLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, n);
        return file;
    }

    private static string HeaderText(byte[] file)
    {
        int n = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        return Encoding.UTF8.GetString(file, 8, n);
    }

    [TestCase(ScalarType.Float32, "F32")]
    [TestCase(ScalarType.Float16, "F16")]
    [TestCase(ScalarType.BFloat16, "BF16")]
    [TestCase(ScalarType.Int64, "I64")]
    [TestCase(ScalarType.Float64, "F64")]
    [TestCase(ScalarType.Int32, "I32")]
    [TestCase(ScalarType.Int16, "I16")]
    [TestCase(ScalarType.Int8, "I8")]
    [TestCase(ScalarType.UInt8, "U8")]
    [TestCase(ScalarType.Bool, "BOOL")]
    public void RoundTripIsBitExactForEveryDtype(ScalarType dtype, string dtypeName)
    {
        var tensors = new Dictionary<string, Tensor>
        {
            ["matrix"] = Patterned(dtype, [2, 3]),
            ["scalar"] = Patterned(dtype, []),
            ["empty"] = Patterned(dtype, [0, 4]),
        };
        string path = PathOf("dtypes.safetensors");
        SafeTensorsWriter.Write(path, tensors);

        Assert.That(HeaderText(File.ReadAllBytes(path)), Does.Contain($"\"dtype\":\"{dtypeName}\""));
        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(new[] { "empty", "matrix", "scalar" }));
        foreach (var (name, expected) in tensors)
        {
            Assert.That(file.Info(name).Dtype, Is.EqualTo(dtype), name);
            using Tensor loaded = file.Load(name);
            Assert.That(loaded.Dtype, Is.EqualTo(dtype), name);
            Assert.That(loaded.Shape, Is.EqualTo(expected.Shape), name);
            Assert.That(loaded.ToBytes(), Is.EqualTo(expected.ToBytes()), name);
        }
        Assert.That(file.Load("scalar").Dim, Is.EqualTo(0));
        Assert.That(file.Info("empty").ByteLength, Is.EqualTo(0));
    }

    [Test]
    public void MetadataRoundTrips()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "naïve \"quoted\"\nsecond line", ["empty"] = "" };
        string with = PathOf("with.safetensors"), without = PathOf("without.safetensors");
        SafeTensorsWriter.Write(with, [Named("w", Tensor.Ones([2]))], metadata);
        SafeTensorsWriter.Write(without, [Named("w", Tensor.Ones([2]))]);

        using (var file = SafeTensorsFile.Open(with))
            Assert.That(file.Metadata, Is.EquivalentTo(metadata));
        using (var file = SafeTensorsFile.Open(without))
            Assert.That(file.Metadata, Is.Empty);
        Assert.That(HeaderText(File.ReadAllBytes(without)), Does.Not.Contain("__metadata__"));
    }

    [Test]
    public void LayoutIsAlignedSortedAndPadded()
    {
        string path = PathOf("layout.safetensors");
        SafeTensorsWriter.Write(path,
        [
            Named("d", Tensor.FromBytes(new byte[] { 1, 0, 1 }, ScalarType.Bool, [3])),
            Named("b", Patterned(ScalarType.BFloat16, [3])),
            Named("e", Patterned(ScalarType.UInt8, [0])),
            Named("a", Patterned(ScalarType.Float32, [1])),
            Named("c", Patterned(ScalarType.Int64, [1])),
        ]);
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = HeaderText(bytes);

        Assert.That(n % 8, Is.EqualTo(0), "8 + N is a multiple of 8, so the data section is 8-byte aligned");
        Assert.That(header.TrimEnd(' '), Does.EndWith("}"), "the header is padded with spaces only");
        Assert.That(header.Length - header.TrimEnd(' ').Length, Is.LessThan(8), "padding is minimal");
        using var doc = JsonDocument.Parse(header);
        Assert.That(doc.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "a", "b", "c", "d", "e" }), "header keys by name");

        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(new[] { "a", "b", "c", "d", "e" }));
        Assert.That(file.DataOffset, Is.EqualTo(8 + (long)n));
        // Data by descending element size, then name: every tensor starts at a multiple of its element size.
        var offsets = file.Names.Select(name => (file.Info(name).Begin, file.Info(name).End));
        Assert.That(offsets, Is.EqualTo(new[] { (8L, 12L), (12L, 18L), (0L, 8L), (18L, 21L), (21L, 21L) }));
        Assert.That(bytes.Length, Is.EqualTo(8 + (long)n + 21));
        Assert.That(file.Load("d").Bools(), Is.EqualTo(new[] { true, false, true }));
    }

    [Test]
    public void WriterMatchesTheSpecByteForByte()
    {
        // Built from the spec: the header is exactly 64 bytes, so no padding.
        const string header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        var data = new byte[24];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), i);
        string path = PathOf("spec.safetensors");

        SafeTensorsWriter.Write(path, [Named("attn.0", Tensor.Arange(0, 6, dtype: ScalarType.Float32).Reshape(1, 2, 3))]);

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(RawFile(header, data)));
    }

    [Test]
    public void EmptyFileIsBracesPaddedToEightBytes()
    {
        string path = PathOf("none.safetensors");
        SafeTensorsWriter.Write(path, []);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(RawFile("{}      ")));
        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.Names, Is.Empty);
    }

    [Test]
    public void HandBuiltFileLoadsWithTheRightValues()
    {
        // Unaligned header (no padding), keys not in offset order, metadata first: all legal.
        const string header = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
        var data = new byte[16];
        BinaryPrimitives.WriteSingleLittleEndian(data, 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -2.25f);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8), 42);
        string path = PathOf("hand.safetensors");
        File.WriteAllBytes(path, RawFile(header, data));

        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(file.Metadata["format"], Is.EqualTo("pt"));
        Assert.That(file.DataOffset, Is.EqualTo(8 + Encoding.UTF8.GetByteCount(header)));
        Assert.That((file.Info("a").Begin, file.Info("a").End), Is.EqualTo((8L, 16L)));
        Assert.That(file.Load("b").ToArray<float>(), Is.EqualTo(new[] { 1.5f, -2.25f }));
        Assert.That(file.Load("a").ToArray<long>(), Is.EqualTo(new[] { 42L }));
        Assert.That(file.Load("a").Shape, Is.EqualTo(new[] { 1L }));
    }

    private static readonly string Entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

    private static IEnumerable<TestCaseData> Malformed()
    {
        TestCaseData Case(string label, byte[] file, string fault) => new TestCaseData(file, fault).SetName($"Malformed({label})");
        string Hdr(string entryJson) => "{\"a\":" + entryJson + "}";

        yield return Case("empty file", [], "file is 0 bytes, shorter than the 8-byte header length");
        yield return Case("short file", [1, 0, 0, 0, 0], "file is 5 bytes, shorter than the 8-byte header length");
        yield return Case("length 2^63", Prefixed(1UL << 63, 120), "header length 9223372036854775808 runs past the end of the 120-byte file");
        yield return Case("length 2^64-1", Prefixed(ulong.MaxValue, 120), "header length 18446744073709551615 runs past the end of the 120-byte file");
        yield return Case("length past end", Prefixed(200, 100), "header length 200 runs past the end of the 100-byte file");
        yield return Case("length one past end", Prefixed(3, 10), "header length 3 runs past the end of the 10-byte file");
        yield return Case("zero length", Prefixed(0, 8), "header is empty");
        byte[] badUtf8 = RawFile("{\"a?\":{}}");
        badUtf8[11] = 0xFF;
        yield return Case("invalid utf-8", badUtf8, "header is not valid UTF-8");
        yield return Case("array header", RawFile("[1,2]"), "header is not a JSON object");
        yield return Case("string header", RawFile("\"x\""), "header is not a JSON object");
        yield return Case("truncated json", RawFile("{\"a\":"), "header is not valid JSON");
        yield return Case("trailing comma", RawFile("{\"a\":" + Entry + ",}", 4), "header is not valid JSON");
        yield return Case("trailing garbage", RawFile("{} x"), "header is not valid JSON");
        yield return Case("deep nesting", RawFile("{\"a\":" + new string('[', 100_000) + new string(']', 100_000) + "}"), "header is not valid JSON");
        yield return Case("entry not object", RawFile(Hdr("5")), "entry 'a' is a number, not an object");
        yield return Case("no dtype", RawFile(Hdr("{\"shape\":[1],\"data_offsets\":[0,4]}"), 4), "entry 'a' lacks \"dtype\"");
        yield return Case("no shape", RawFile(Hdr("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}"), 4), "entry 'a' lacks \"shape\"");
        yield return Case("no offsets", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1]}"), 4), "entry 'a' lacks \"data_offsets\"");
        yield return Case("dtype not string", RawFile(Hdr("{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}"), 4), "dtype of 'a' is a number, not a string");
        yield return Case("unknown dtype", RawFile(Hdr("{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}"), 1), "tensor 'a' has unsupported dtype 'F8_E4M3'");
        yield return Case("lower-case dtype", RawFile(Hdr("{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}"), 4), "tensor 'a' has unsupported dtype 'f32'");
        yield return Case("shape not array", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}"), 4), "shape of 'a' is a string, not an array");
        yield return Case("negative dim", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1,-1],\"data_offsets\":[0,4]}"), 4), "shape of 'a' has '-1' at index 1, not a non-negative integer");
        yield return Case("fractional dim", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}"), 4), "shape of 'a' has '1.5' at index 0");
        yield return Case("dim 2^63", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[9223372036854775808],\"data_offsets\":[0,4]}"), 4), "shape of 'a' has '9223372036854775808' at index 0");
        yield return Case("null dim", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}"), 4), "shape of 'a' has 'null' at index 0");
        yield return Case("one offset", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}"), 4), "data_offsets of 'a' is '[0]', not two non-negative integers");
        yield return Case("three offsets", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}"), 4), "data_offsets of 'a' is '[0,4,8]', not two");
        yield return Case("negative offset", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}"), 4), "data_offsets of 'a' is '[-4,0]', not two");
        yield return Case("fractional offset", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}"), 4), "data_offsets of 'a' is '[0,4.0]', not two");
        yield return Case("offsets not array", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0,4\"}"), 4), "data_offsets of 'a' is '\"0,4\"', not two");
        yield return Case("offset 2^64", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551616]}"), 4), "data_offsets of 'a' is '[0,18446744073709551616]', not two");
        yield return Case("begin after end", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}"), 8), "data_offsets [8, 4] of 'a' end before they begin");
        yield return Case("size mismatch", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}"), 4), "'a' is F32 [2] = 8 bytes but its data_offsets [0, 4] span 4");
        yield return Case("numel overflow", RawFile(Hdr("{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}")), "shape [4294967296, 4294967296] of 'a' overflows");
        yield return Case("bytes overflow", RawFile(Hdr("{\"dtype\":\"I64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}")), "shape [2305843009213693952] of 'a' overflows");
        yield return Case("gap", RawFile("{\"a\":" + Entry + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
            "overlapping or non-contiguous data_offsets for 'b': it begins at 8 but the previous tensor ends at 4");
        yield return Case("overlap", RawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
            "overlapping or non-contiguous data_offsets for 'b': it begins at 4 but the previous tensor ends at 8");
        yield return Case("same region twice", RawFile("{\"a\":" + Entry + ",\"b\":" + Entry + "}", 4),
            "overlapping or non-contiguous data_offsets for 'b': it begins at 0 but the previous tensor ends at 4");
        yield return Case("not from zero", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}"), 8),
            "overlapping or non-contiguous data_offsets for 'a': it begins at 4 but the data section begins at 0");
        yield return Case("unused data", RawFile(Hdr(Entry), 8), "data section is 8 bytes but tensors cover 4");
        yield return Case("short data", RawFile(Hdr("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), 4), "data section is 4 bytes but tensors cover 8");
        yield return Case("data but no tensors", RawFile("{}", 8), "data section is 8 bytes but tensors cover 0");
        yield return Case("metadata string", RawFile("{\"__metadata__\":\"x\"}"), "__metadata__ is a string, not an object of strings");
        yield return Case("metadata number value", RawFile("{\"__metadata__\":{\"k\":1}}"), "__metadata__ value for 'k' is a number, not a string");
        yield return Case("duplicate tensor", RawFile("{\"a\":" + Entry + ",\"a\":" + Entry + "}", 4), "duplicate key 'a' in header");
        yield return Case("duplicate metadata", RawFile("{\"__metadata__\":{},\"__metadata__\":{}}"), "duplicate key '__metadata__' in header");
        yield return Case("duplicate field", RawFile(Hdr("{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"), 4), "duplicate key 'dtype' in entry 'a'");
        yield return Case("duplicate metadata key", RawFile("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"), "duplicate key 'k' in __metadata__");
        yield return Case("escaped duplicate", RawFile("{\"a\":" + Entry + ",\"\\u0061\":" + Entry + "}", 4), "duplicate key 'a' in header");
        yield return Case("newline in name", RawFile("{\"x\\ny\":5}"), "entry 'x\\u000ay' is a number");
        yield return Case("huge name", RawFile("{\"" + new string('n', 100_000) + "\":5}"), "entry '" + new string('n', 80) + "…' is a number");
    }

    [TestCaseSource(nameof(Malformed))]
    public void MalformedFileGivesOneLineNamingFileAndFault(byte[] contents, string fault)
    {
        string path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, contents);
        long live = Tensor.LiveCount;

        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());

        Assert.That(e!.Path, Is.EqualTo(path));
        Assert.That(e.Message, Is.EqualTo($"{path}: {e.Fault}"));
        Assert.That(e.Fault, Does.Contain(fault));
        Assert.That(e.Message, Does.Not.Contain('\n').And.Not.Contain('\r'));
        Assert.That(e.Message.Length, Is.LessThan(400), "hostile input cannot blow up the message");
        Assert.That(e, Is.InstanceOf<IOException>(), "callers catch missing and corrupt files alike");
        AssertProcessIsFine(path, live);
    }

    /// <summary>After a failure: no tensor leaked, no handle left open on the file, and reading still works.</summary>
    private void AssertProcessIsFine(string failedPath, long liveBefore)
    {
        Assert.That(Tensor.LiveCount, Is.EqualTo(liveBefore), "no tensor was created");
        if (OperatingSystem.IsLinux())
        {
            var open = Directory.GetFiles("/proc/self/fd").Select(fd => new FileInfo(fd).LinkTarget).Where(t => t == failedPath);
            Assert.That(open, Is.Empty, "the failed file is closed");
        }
        string good = PathOf("good.safetensors");
        SafeTensorsWriter.Write(good, [Named("x", Tensor.From(new[] { 3f, 4f }))]);
        using var file = SafeTensorsFile.Open(good);
        Assert.That(file.Load("x").ToArray<float>(), Is.EqualTo(new[] { 3f, 4f }));
    }

    [Test]
    public void HeaderOverTheLimitIsRefusedBeforeItIsRead()
    {
        string path = PathOf("huge-header.safetensors");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.SetLength(8 + 100_000_100); // sparse: nothing is written but the prefix
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, 100_000_001);
            stream.Write(prefix);
        }
        long live = Tensor.LiveCount;

        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());

        Assert.That(e!.Message, Is.EqualTo($"{path}: header length 100000001 exceeds the 100000000-byte limit"));
        AssertProcessIsFine(path, live);
    }

    [Test]
    public void FailedWriteBeforeDataLeavesTheOldFileAndNoTemp()
    {
        string path = PathOf("model.safetensors");
        SafeTensorsWriter.Write(path, [Named("old", Tensor.From(new[] { 1f, 2f }))]);
        byte[] before = File.ReadAllBytes(path);
        var disposed = Tensor.Ones([4]);
        disposed.Dispose();

        Assert.Throws<ObjectDisposedException>(() => SafeTensorsWriter.Write(path, [Named("a", Tensor.Ones([2])), Named("b", disposed)]));

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void FailureMidWriteLeavesTheOldFileAndNoTemp()
    {
        string path = PathOf("model.safetensors");
        SafeTensorsWriter.Write(path, [Named("old", Tensor.From(new[] { 1f, 2f }))]);
        byte[] before = File.ReadAllBytes(path);
        var a = Tensor.Ones([2]);
        var b = Tensor.Ones([3]);
        int filesDuringWrite = 0;

        Assert.Throws<ObjectDisposedException>(() => SafeTensorsWriter.Write(path, [Named("a", a), Named("b", b)], null, 1L << 30, name =>
        {
            if (name != "b") return;
            filesDuringWrite = Directory.GetFiles(_dir).Length;
            b.Dispose(); // header and "a" are already in the temp file; ToBytes of "b" now throws
        }));

        Assert.That(filesDuringWrite, Is.EqualTo(2), "the temp file existed beside the old one when the write failed");
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void SuccessfulOverwriteReplacesTheFileAndLeavesNoTemp()
    {
        string path = PathOf("model.safetensors");
        SafeTensorsWriter.Write(path, [Named("old", Tensor.From(new[] { 1f, 2f }))]);
        SafeTensorsWriter.Write(path, [Named("new", Tensor.From(new[] { 5L }))]);

        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(new[] { "new" }));
        Assert.That(file.Load("new").ToArray<long>(), Is.EqualTo(new[] { 5L }));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void LoadCopiesTheData()
    {
        string path = PathOf("copy.safetensors");
        SafeTensorsWriter.Write(path, [Named("w", Tensor.From(new[] { 1f, 2f, 3f }))]);
        var file = SafeTensorsFile.Open(path);
        Tensor first = file.Load("w");
        first.Fill_(7);

        Assert.That(file.Load("w").ToArray<float>(), Is.EqualTo(new[] { 1f, 2f, 3f }), "a second Load sees the file, not the first tensor");
        file.Dispose();
        Assert.That(first.ToArray<float>(), Is.EqualTo(new[] { 7f, 7f, 7f }), "a loaded tensor outlives the mapping");
        Assert.Throws<ObjectDisposedException>(() => file.Load("w"));
    }

    [Test]
    public void NonContiguousTensorsAreWrittenRowMajor()
    {
        Tensor t = Tensor.Arange(0, 6, dtype: ScalarType.Float32).Reshape(2, 3).T; // [3, 2], strides (1, 3)
        Assert.That(t.IsContiguous, Is.False);
        string path = PathOf("transposed.safetensors");
        SafeTensorsWriter.Write(path, [Named("t", t)]);

        using var file = SafeTensorsFile.Open(path);
        Tensor loaded = file.Load("t");
        Assert.That(loaded.Shape, Is.EqualTo(new[] { 3L, 2L }));
        Assert.That(loaded.ToArray<float>(), Is.EqualTo(new[] { 0f, 3f, 1f, 4f, 2f, 5f }));
    }

    [Test]
    public void SlicedWritesOfLargeTensorsMatchWholeWrites()
    {
        // The slicing path keeps tensors over 1 GiB under the managed array limit; here it is forced with tiny slices.
        Tensor f32 = Tensor.Arange(0, 15, dtype: ScalarType.Float32).Reshape(3, 5).T;
        Tensor i16 = Patterned(ScalarType.Int16, [11]);
        var tensors = new[] { Named("f32", f32), Named("i16", i16), Named("scalar", Tensor.Scalar(2.5)) };
        string whole = PathOf("whole.safetensors"), sliced = PathOf("sliced.safetensors");

        SafeTensorsWriter.Write(whole, tensors);
        SafeTensorsWriter.Write(sliced, tensors, null, chunkBytes: 7, beforeTensor: null);

        Assert.That(File.ReadAllBytes(sliced), Is.EqualTo(File.ReadAllBytes(whole)));
    }

    [Test]
    public void UnknownNameIsKeyNotFoundNamingFileAndKey()
    {
        string path = PathOf("names.safetensors");
        SafeTensorsWriter.Write(path, [Named("present", Tensor.Ones([1]))]);
        using var file = SafeTensorsFile.Open(path);

        Assert.That(file.Contains("present"), Is.True);
        Assert.That(file.Contains("absent"), Is.False);
        var e = Assert.Throws<KeyNotFoundException>(() => file.Load("absent"));
        Assert.That(e!.Message, Is.EqualTo($"{path}: no tensor named 'absent'; the file holds 1: 'present'"));
    }

    [Test]
    public void WriterRejectsBadArgumentsBeforeTouchingTheDisk()
    {
        string path = PathOf("names.safetensors");
        var dup = Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [Named("x", Tensor.Ones([1])), Named("x", Tensor.Ones([1]))]));
        var reserved = Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [Named("__metadata__", Tensor.Ones([1]))]));

        string nowhere = PathOf("missing/dir.safetensors");
        var noDir = Assert.Throws<DirectoryNotFoundException>(() => SafeTensorsWriter.Write(nowhere, [Named("x", Tensor.Ones([1]))]));

        Assert.That(noDir!.Message, Does.StartWith($"{nowhere}: directory "));
        Assert.That(dup!.Message, Does.Contain("'x' is given twice"));
        Assert.That(reserved!.Message, Does.Contain("reserved"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }

    [Test]
    public void LoadAllReturnsEveryTensor()
    {
        string path = PathOf("all.safetensors");
        SafeTensorsWriter.Write(path, [Named("a", Tensor.From(new[] { 1L, 2L })), Named("b", Tensor.From(new[] { 0.5 }))]);

        var all = SafeTensorsFile.LoadAll(path, Device.Cpu);

        Assert.That(all.Keys, Is.EquivalentTo(new[] { "a", "b" }));
        Assert.That(all["a"].ToArray<long>(), Is.EqualTo(new[] { 1L, 2L }));
        Assert.That(all["b"].ToArray<double>(), Is.EqualTo(new[] { 0.5 }));
    }

    [Test]
    public void DtypeNamesMapBothWays()
    {
        foreach (ScalarType t in Enum.GetValues<ScalarType>())
        {
            Assert.That(SafeTensorsDType.TryParse(SafeTensorsDType.Name(t), out var back), Is.True, t.ToString());
            Assert.That(back, Is.EqualTo(t));
        }
        Assert.That(SafeTensorsDType.TryParse("U16", out _), Is.False);
    }
}
