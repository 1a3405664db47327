import { Button, Form, Input, Modal, type FormInstance } from "antd";

export interface ReasonForm {
  reason: string;
}

/** A danger button opening a dialog that asks for a reason (release a lead or customer to the
 * pool…). The caller owns the mutation and the form, so server field errors land on it. */
export function ReasonDialogButton({
  open,
  onOpenChange,
  form,
  onSubmit,
  pending,
  label,
  title,
  reasonLabel,
  hint,
  cancelLabel,
  testId,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  form: FormInstance<ReasonForm>;
  onSubmit: (values: ReasonForm) => void;
  pending: boolean;
  label: string;
  title: string;
  reasonLabel: string;
  hint: string;
  cancelLabel: string;
  /** prefix of the data-testids: `${testId}`, `${testId}-reason`, `${testId}-ok` */
  testId: string;
}) {
  return (
    <>
      <Button danger onClick={() => onOpenChange(true)} data-testid={testId}>
        {label}
      </Button>
      <Modal
        open={open}
        title={title}
        onCancel={() => onOpenChange(false)}
        onOk={() => form.submit()}
        confirmLoading={pending}
        okText={label}
        cancelText={cancelLabel}
        okButtonProps={{ danger: true, "data-testid": `${testId}-ok` }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false} clearOnDestroy onFinish={onSubmit}>
          <Form.Item name="reason" label={reasonLabel} extra={hint} rules={[{ required: true, whitespace: true, max: 500 }]}>
            <Input.TextArea rows={3} maxLength={500} data-testid={`${testId}-reason`} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
