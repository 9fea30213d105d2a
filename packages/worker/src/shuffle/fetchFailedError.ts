import { ErrorCode, FlintError } from '../errors.js';

/**
 * A reducer could not read a map output. The scheduler answers by recomputing that map output
 * from lineage, so this error carries exactly which one.
 */
export class FetchFailedError extends FlintError {
  constructor(
    readonly shuffleId: number,
    readonly mapIndex: number,
    readonly address: string,
    reason: string,
  ) {
    super(
      ErrorCode.FETCH_FAILED,
      `Could not fetch map output ${mapIndex} of shuffle ${shuffleId} from ${address}: ${reason}`,
    );
  }
}
