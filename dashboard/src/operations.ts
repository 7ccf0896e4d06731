/**
 * The operations the dashboard sends, typed from schema.graphql by GraphQL Code Generator
 * (`npm run build:dashboard` writes src/gql/; `npm test` regenerates it and type-checks the dashboard,
 * so a schema change that breaks one of these fails the tests). The Webhooks page's and the pre-flight
 * check's are beside their pages (webhooks/operations.ts, new-job/operations.ts).
 */
import { graphql } from './gql';

/** Whether the gateway serves this browser without typed credentials (it does on its embedded simulator). */
export const Probe = graphql(`
  query Probe {
    jobs(first: 1) {
      totalCount
    }
  }
`);

/**
 * The providers this gateway serves, the default first, with what each can do: the header's switch,
 * and what the new-job and job pages offer. Needs no credentials.
 */
export const Providers = graphql(`
  query Providers {
    providers {
      name
      isDefault
      capabilities {
        priceEstimate
        datasets
        huggingFaceExport
        cancel
        events
        checkpoints
      }
      jobStatuses
    }
  }
`);

/**
 * The list: job fields only. Its events carry no metrics, so the list costs the upstream one poll for
 * all; `progress` and `estimatedSecondsLeft` are asked only by JobDetail (they read the job's metrics).
 * `error` is the reason a FAILED job's row shows (on Together, its message costs one read of each
 * failed job as the list opens: Together's list leaves it out).
 */
export const JobsList = graphql(`
  subscription JobsList($status: JobStatus) {
    jobsUpdated(status: $status) {
      id
      name
      status
      baseModelId
      baseModel {
        name
      }
      createdAt
      startedAt
      completedAt
      error {
        code
        message
      }
    }
  }
`);

/**
 * How many jobs the list has now: `jobsUpdated` sends each current job first but says nothing when
 * there is none, so a list of no jobs (or a filter nothing matches) is known from this, read as the
 * subscription starts (and again when it is sent anew after a lost connection).
 */
export const JobsCount = graphql(`
  query JobsCount($status: JobStatus) {
    jobs(first: 1, status: $status) {
      totalCount
    }
  }
`);

export const JobDetail = graphql(`
  subscription JobDetail($id: ID!) {
    jobUpdated(id: $id) {
      id
      provider
      name
      status
      baseModelId
      baseModel {
        name
      }
      createdAt
      startedAt
      completedAt
      progress
      estimatedSecondsLeft
      downloadUrl
      error {
        code
        message
      }
      promptColumn
      answerColumn
      dataset {
        id
        name
        trainingFile {
          name
        }
        validationFile {
          name
        }
      }
      datasetId
      trainingFileId
      validationFileId
      hyperparameters {
        batchSize
        learningRate
        nEpochs
        nEvals
        warmupRatio
        weightDecay
        bestCheckpoints
        maskPromptLabels
        lora {
          r
          alpha
          dropout
          trainableModules
        }
      }
      metrics {
        trainingSteps
        bestValidationLoss
        bestValidationLossStep
        latest {
          step
          trainingLoss
          validationLoss
        }
        points {
          step
          trainingLoss
          validationLoss
        }
      }
    }
  }
`);

/**
 * A job's event log and saved checkpoints, on a provider that keeps them (Together): asked by the job
 * page apart from its subscription, as it opens, when the job's status changes and every half minute
 * while it runs, since each is an upstream call of its own that a change of the loss does not need.
 */
export const JobHistory = graphql(`
  query JobHistory($id: ID!, $events: Boolean!, $checkpoints: Boolean!) {
    job(id: $id) {
      id
      events @include(if: $events) {
        createdAt
        type
        level
        message
        step
      }
      checkpoints @include(if: $checkpoints) {
        id
        label
        step
        final
        createdAt
        downloadUrl
      }
    }
  }
`);

export const CancelJob = graphql(`
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) {
      id
      status
    }
  }
`);

export const ExportJob = graphql(`
  mutation ExportJob($input: ExportJobToHuggingFaceInput!) {
    exportJobToHuggingFace(input: $input) {
      id
      status
      repositoryId
    }
  }
`);

/**
 * The base models, each with its limits of the job's numeric settings: the new-job form's hints and
 * its own checks come from these (the limits the gateway checks on this provider), and cost nothing
 * beyond the catalogue.
 */
export const BaseModels = graphql(`
  query BaseModels {
    baseModels {
      id
      name
      organization
      contextLength
      supportedBatchSizes
      hyperparameterLimits {
        nEpochs {
          ...LimitParts
        }
        nEvals {
          ...LimitParts
        }
        batchSize {
          ...LimitParts
        }
        learningRate {
          ...LimitParts
        }
        warmupRatio {
          ...LimitParts
        }
        weightDecay {
          ...LimitParts
        }
        lora {
          r {
            ...LimitParts
          }
          alpha {
            ...LimitParts
          }
          dropout {
            ...LimitParts
          }
        }
      }
    }
  }

  fragment LimitParts on NumericLimit {
    min
    max
    maxExclusive
    integer
    allowedValues
    default
  }
`);

export const UploadFile = graphql(`
  mutation UploadFile($file: Upload!, $csvColumns: CsvColumnsInput) {
    uploadFile(file: $file, csvColumns: $csvColumns) {
      id
      name
      bytes
      columns {
        name
        type
        sampleValues
      }
    }
  }
`);

export const CreateDataset = graphql(`
  mutation CreateDataset($input: CreateDatasetInput!) {
    createDataset(input: $input) {
      id
      name
    }
  }
`);

/** A dataset the new-job form made for an estimate and that no job uses (the files changed, or the form was left). */
export const DeleteDataset = graphql(`
  mutation DeleteDataset($id: ID!) {
    deleteDataset(id: $id)
  }
`);

/** The organization's datasets with their files: what can be cleaned up (files cannot be deleted upstream). */
export const Datasets = graphql(`
  query Datasets {
    datasets {
      id
      name
      createdAt
      trainingFile {
        id
        name
        bytes
      }
      validationFile {
        id
        name
        bytes
      }
    }
  }
`);

export const Estimate = graphql(`
  query Estimate($input: CreateJobInput!) {
    costEstimate(input: $input) {
      cost
      currency
      tokens
      minimumApplied
    }
  }
`);

export const CreateJob = graphql(`
  mutation CreateJob($input: CreateJobInput!) {
    createJob(input: $input) {
      id
      name
      status
    }
  }
`);
