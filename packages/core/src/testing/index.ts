// @peftjs/core/testing: the contract kit method packages run on their methods.
export { runPeftContractTests, type ContractCase } from './contract';
export { expectEveryAdapterLayerCalled } from './adapter-calls';
export { AdapterLayerNotCalledError } from './errors';
export { useTestBackend, expectClose, finiteDifferenceGradient, maxAbsDifference, expectGradientsMatchFiniteDifferences } from './numeric';
