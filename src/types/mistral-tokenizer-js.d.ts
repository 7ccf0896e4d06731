/** Types of mistral-tokenizer-js 1.0.0, which ships none (its README documents this API). */
declare module 'mistral-tokenizer-js' {
  interface MistralTokenizer {
    /** Token ids; `undefined` only when the vocabulary failed to load. Returns [] for ''. */
    encode(
      prompt: string,
      addBosToken?: boolean,
      addPrecedingSpace?: boolean,
      logPerformance?: boolean,
    ): number[] | undefined;
    decode(tokenIds: number[], addBosToken?: boolean, addPrecedingSpace?: boolean): string;
  }
  const mistralTokenizer: MistralTokenizer;
  export default mistralTokenizer;
}
