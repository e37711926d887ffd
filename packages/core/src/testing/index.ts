// @peftjs/core/testing: the contract kit method packages run on their methods.
export { runPeftContractTests, type ContractCase } from './contract';
export { useTestBackend, expectClose, finiteDifferenceGradient, maxAbsDifference, expectGradientsMatchFiniteDifferences } from './numeric';
