/**
 * The new-job page's pre-flight operation, typed from schema.graphql like the rest (operations.ts):
 * the largest document the dashboard sends, kept beside the page that alone sends it.
 */
import { graphql } from '../gql';

/** The pre-flight report of the chosen files (sent again with each run: the gateway keeps nothing of them). */
export const AnalyzeDataset = graphql(`
  query AnalyzeDataset($input: AnalyzeDatasetInput!) {
    analyzeDataset(input: $input) {
      contextLength
      tokenizer {
        packageName
        vocabulary
        templateTokens
      }
      training {
        ...FileAnalysisParts
      }
      validation {
        ...FileAnalysisParts
      }
      split {
        trainingRows
        trainingTokens
        validationRows
        validationTokens
        heldOutRows
        validationSource
      }
      cost {
        cost
        tokens
        minimumApplied
        explanation
        priceSource
      }
      upstreamEstimate {
        cost
        tokens
        matchesLocal
      }
    }
  }

  fragment FileAnalysisParts on FileAnalysis {
    fileName
    bytes
    rowsRead
    usableRows
    problemCount
    problems {
      row
      line
      kind
      message
    }
    stoppedAt {
      row
      message
    }
    duplicateCount
    duplicates {
      row
      duplicateOf
    }
    tokens {
      prompt
      answer
      template
      total
    }
    histogram {
      fromTokens
      toTokens
      rows
    }
    largestRows {
      row
      tokens
    }
    overContextCount
    overContext {
      row
      tokens
    }
  }
`);
