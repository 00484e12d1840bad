// IWeightSource — where a model's tensors come from when it is built: a checkpoint on disk (WeightStore) or a fresh
// initialisation (WeightInitializer). Keys and shapes are Hugging Face's.
namespace InterpEval.Interp.Models;

public interface IWeightSource
{
    bool Contains(string key);

    /// <summary>The tensor for key as float32 on device, with exactly the expected shape (owned by the caller).</summary>
    Tensor Load(string key, long[] expectedShape, Device device);
}
